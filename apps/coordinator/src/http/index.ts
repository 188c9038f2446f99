export { type HttpSecurity } from './auth.guard.js';
export { configureHttp } from './configure-http.js';
export { HttpApiModule, type HttpApiModuleOptions } from './http-api.module.js';
export { BODY_LIMIT_BYTES, MAX_JSON_DEPTH } from './http-limits.js';
export { PublicRoute, RequireRole } from './route-access.js';
