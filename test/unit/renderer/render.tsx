// Mounts a screen with a console store over a fake bridge.
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createConsoleStore } from '../../../src/renderer/state/console-store.js';
import { ConsoleProvider } from '../../../src/renderer/state/context.js';
import { fakeBridge, type FakeHandlers } from './fake-bridge.js';

export function renderWithConsole(ui: ReactElement, handlers: FakeHandlers) {
  const fake = fakeBridge(handlers);
  const store = createConsoleStore(fake.bridge);
  const result = render(
    <ConsoleProvider store={store} transport="http">
      {ui}
    </ConsoleProvider>,
  );
  return { ...result, fake, store };
}
