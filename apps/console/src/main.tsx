// The console's entry point: reads its settings from the coordinator, then draws the app.
import { render } from 'preact';
import type { ConsoleSettings } from './app-context.js';
import { App } from './app.js';

const root = document.getElementById('app');
if (root === null) throw new Error('the page has no #app element');

try {
  const response = await fetch('config.json', { credentials: 'omit' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const settings = (await response.json()) as ConsoleSettings;
  root.textContent = ''; // the page's loading line
  render(<App settings={settings} />, root);
} catch (error) {
  root.textContent = `The console cannot start: ${error instanceof Error ? error.message : String(error)}`;
}
