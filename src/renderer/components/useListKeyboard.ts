// Keyboard navigation for short lists and tables: arrows, Home/End move; Enter opens.
import { useState, type KeyboardEvent } from 'react';

export function useListKeyboard(count: number, onOpen?: (index: number) => void) {
  const [active, setActive] = useState(-1);
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.target !== event.currentTarget || count === 0) return;
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = clamp(active + 1);
    else if (event.key === 'ArrowUp') next = clamp(active < 0 ? 0 : active - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = count - 1;
    else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      onOpen?.(active);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    const row = event.currentTarget.querySelector<HTMLElement>(`[data-index="${next}"]`);
    row?.scrollIntoView?.({ block: 'nearest' });
  }
  return {
    active: active >= count ? count - 1 : active,
    setActive,
    listProps: { tabIndex: 0, onKeyDown },
    rowProps: (index: number) => ({
      'data-index': index,
      'aria-selected': index === active,
      className: index === active ? 'active' : undefined,
      onClick: () => {
        setActive(index);
        onOpen?.(index);
      },
    }),
  };
}
