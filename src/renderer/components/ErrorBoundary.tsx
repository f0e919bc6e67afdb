// A render error shows what went wrong and a way back, never a blank screen.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  where: string;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`Driftwatch: ${this.props.where} failed`, error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="crash" role="alert">
        <h2>{this.props.where} could not be shown</h2>
        <p>{this.state.error.message || String(this.state.error)}</p>
        <p className="muted">The rest of the console still works: pick another screen, or try this one again.</p>
        <button type="button" className="btn" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
