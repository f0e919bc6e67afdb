// Start-up: pick the transport (Electron's preload bridge, else HTTP), build the stores, render.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { pickBridge } from './api/pick.js';
import { createConsoleStore } from './state/console-store.js';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  try {
    const { kind, bridge } = pickBridge(window);
    const store = createConsoleStore(bridge);
    createRoot(root).render(
      <StrictMode>
        <App store={store} transport={kind} />
      </StrictMode>,
    );
  } catch (err) {
    root.textContent = `Driftwatch could not start its console: ${err instanceof Error ? err.message : String(err)}`;
  }
}
