export { configureHttp } from './configure-http.js';
export { HttpApiModule, type HttpApiModuleOptions } from './http-api.module.js';
export { BODY_LIMIT_BYTES } from './http-limits.js';
