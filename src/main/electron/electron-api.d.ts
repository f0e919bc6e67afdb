// The slice of Electron's API that Driftwatch uses, typed here because `electron` is an optional
// dependency: where its binary cannot be installed, npm removes the whole package (and its
// electron.d.ts), and the typecheck must pass all the same. An ambient module declaration wins over
// node_modules, so these are the types in force whether or not electron is installed; they follow
// Electron 45's electron.d.ts. Add what you use, with the same signature as upstream.
declare module 'electron' {
  interface ElectronEvent {
    preventDefault(): void;
    readonly defaultPrevented: boolean;
  }

  interface WebFrameMain {
    readonly url: string;
    readonly origin: string;
    readonly top: WebFrameMain | null;
    readonly parent: WebFrameMain | null;
    readonly isDestroyed: () => boolean;
  }

  interface IpcMainInvokeEvent extends ElectronEvent {
    readonly sender: WebContents;
    readonly senderFrame: WebFrameMain | null;
    readonly processId: number;
    readonly frameId: number;
  }

  interface IpcRendererEvent extends ElectronEvent {
    readonly sender: unknown;
  }

  interface HandlerDetails {
    url: string;
    frameName: string;
    disposition: string;
  }

  interface WindowOpenHandlerResponse {
    action: 'allow' | 'deny';
  }

  interface WebContentsWillNavigateEventParams {
    url: string;
    isSameDocument: boolean;
    isMainFrame: boolean;
  }

  interface WebContents {
    readonly id: number;
    readonly mainFrame: WebFrameMain;
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
    on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (details: ElectronEvent & WebContentsWillNavigateEventParams) => void): this;
    on(event: 'will-attach-webview', listener: (event: ElectronEvent, webPreferences: WebPreferences, params: Record<string, string>) => void): this;
    on(event: 'render-process-gone', listener: (event: ElectronEvent, details: { reason: string; exitCode: number }) => void): this;
    on(event: 'did-fail-load', listener: (event: ElectronEvent, errorCode: number, errorDescription: string, validatedURL: string) => void): this;
    openDevTools(): void;
  }

  interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    sandbox?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    nodeIntegrationInWorker?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    webviewTag?: boolean;
    navigateOnDragDrop?: boolean;
    spellcheck?: boolean;
    devTools?: boolean;
  }

  interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    title?: string;
    show?: boolean;
    backgroundColor?: string;
    autoHideMenuBar?: boolean;
    webPreferences?: WebPreferences;
  }

  class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    static getAllWindows(): BrowserWindow[];
    readonly webContents: WebContents;
    loadURL(url: string): Promise<void>;
    show(): void;
    focus(): void;
    restore(): void;
    hide(): void;
    isVisible(): boolean;
    isMinimized(): boolean;
    isDestroyed(): boolean;
    once(event: 'ready-to-show', listener: () => void): this;
    on(event: 'closed', listener: () => void): this;
  }

  interface App {
    whenReady(): Promise<void>;
    quit(): void;
    exit(exitCode?: number): void;
    setName(name: string): void;
    getName(): string;
    setPath(name: 'userData' | 'sessionData' | 'logs' | 'crashDumps', path: string): void;
    getPath(name: 'userData' | 'sessionData' | 'home' | 'appData' | 'temp' | 'logs'): string;
    getAppPath(): string;
    readonly isPackaged: boolean;
    requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean;
    on(event: 'window-all-closed' | 'activate', listener: () => void): this;
    on(event: 'before-quit' | 'will-quit', listener: (event: ElectronEvent) => void): this;
    on(event: 'second-instance', listener: (event: ElectronEvent, argv: string[], workingDirectory: string) => void): this;
    on(event: 'web-contents-created', listener: (event: ElectronEvent, contents: WebContents) => void): this;
  }

  interface IpcMain {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown): void;
    removeHandler(channel: string): void;
  }

  interface IpcRenderer {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this;
    removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this;
  }

  interface ContextBridge {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  }

  interface Privileges {
    standard?: boolean;
    secure?: boolean;
    bypassCSP?: boolean;
    allowServiceWorkers?: boolean;
    supportFetchAPI?: boolean;
    corsEnabled?: boolean;
    stream?: boolean;
    codeCache?: boolean;
  }

  interface CustomScheme {
    scheme: string;
    privileges?: Privileges;
  }

  interface Protocol {
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  }

  interface Net {
    fetch(input: string | Request, init?: RequestInit & { bypassCustomProtocolHandlers?: boolean }): Promise<Response>;
  }

  interface Shell {
    openExternal(url: string, options?: { activate?: boolean }): Promise<void>;
  }

  interface Session {
    setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null): void;
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
  }

  interface Dialog {
    showErrorBox(title: string, content: string): void;
  }

  interface Menu {
    readonly __menu: true;
  }
  interface MenuItem {
    readonly id: string;
    checked: boolean;
  }
  interface MenuItemConstructorOptions {
    id?: string;
    label?: string;
    type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
    checked?: boolean;
    enabled?: boolean;
    click?: (menuItem: MenuItem, window: BrowserWindow | undefined, event: KeyboardEvent) => void;
  }
  interface MenuStatic {
    setApplicationMenu(menu: Menu | null): void;
    buildFromTemplate(template: MenuItemConstructorOptions[]): Menu;
  }

  interface NativeImage {
    isEmpty(): boolean;
  }
  interface NativeImageStatic {
    createFromDataURL(dataURL: string): NativeImage;
  }

  class Tray {
    constructor(image: NativeImage | string, guid?: string);
    setToolTip(toolTip: string): void;
    setContextMenu(menu: Menu | null): void;
    on(event: 'click' | 'double-click', listener: () => void): this;
    destroy(): void;
    isDestroyed(): boolean;
  }

  export const app: App;
  export const ipcMain: IpcMain;
  export const ipcRenderer: IpcRenderer;
  export const contextBridge: ContextBridge;
  export const protocol: Protocol;
  export const net: Net;
  export const shell: Shell;
  export const session: { readonly defaultSession: Session };
  export const dialog: Dialog;
  export const Menu: MenuStatic;
  export const nativeImage: NativeImageStatic;
  export { BrowserWindow, Tray };
  export type { IpcMainInvokeEvent, IpcRendererEvent, WebContents, WebFrameMain, WebPreferences, HandlerDetails, MenuItemConstructorOptions, NativeImage };
}
