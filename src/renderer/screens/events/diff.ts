// The lines of a unified diff the engine stored with a content change, classified for display.
export interface DiffLine {
  kind: 'same' | 'add' | 'del' | 'hunk';
  text: string;
}

export function parseUnifiedDiff(text: string): DiffLine[] {
  return text.split('\n').map((line) => {
    if (line.startsWith('@@')) return { kind: 'hunk', text: line };
    if (line.startsWith('+') && !line.startsWith('+++')) return { kind: 'add', text: line.slice(1) };
    if (line.startsWith('-') && !line.startsWith('---')) return { kind: 'del', text: line.slice(1) };
    if (line.startsWith('---') || line.startsWith('+++')) return { kind: 'hunk', text: line };
    return { kind: 'same', text: line.startsWith(' ') ? line.slice(1) : line };
  });
}
