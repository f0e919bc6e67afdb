// A small windowing list: fixed-height rows, only the visible slice (plus overscan) in the DOM,
// positioned with transforms. Keyboard: arrows, Page Up/Down, Home/End, Enter (and Space).
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  overscan?: number;
  renderRow: (index: number) => ReactNode;
  activeIndex: number;
  onActiveChange: (index: number) => void;
  onOpen?: (index: number) => void;
  /** Space ticks the active row (shift: the range from the last one ticked) when the rows have boxes; else Space opens. */
  onToggle?: (index: number, shift: boolean) => void;
  onRangeChange?: (start: number, end: number) => void;
  ariaLabel: string;
  className?: string;
  rowClassName?: (index: number) => string;
}

export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number) {
  const first = Math.floor(scrollTop / rowHeight);
  const last = Math.ceil((scrollTop + viewport) / rowHeight);
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + overscan) };
}

export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, overscan = 8, renderRow, activeIndex, onActiveChange, onOpen, onToggle, onRangeChange, ariaLabel } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);
  const frame = useRef<number | null>(null);
  const id = useId();

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight || rowHeight * 20);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [rowHeight]);

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      if (ref.current) setScrollTop(ref.current.scrollTop);
    });
  }, []);

  const { start, end } = visibleRange(scrollTop, viewport || rowHeight * 20, rowHeight, count, overscan);

  useEffect(() => {
    onRangeChange?.(start, end);
  }, [start, end, onRangeChange]);

  // Keep the active row in view when the keyboard moves it.
  useEffect(() => {
    const el = ref.current;
    if (!el || activeIndex < 0) return;
    const top = activeIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [activeIndex, rowHeight]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (count === 0) return;
    const page = Math.max(1, Math.floor((viewport || rowHeight * 20) / rowHeight) - 1);
    const current = activeIndex < 0 ? -1 : activeIndex;
    let next: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(count - 1, current + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, current - 1);
        break;
      case 'PageDown':
        next = Math.min(count - 1, current + page);
        break;
      case 'PageUp':
        next = Math.max(0, current - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = count - 1;
        break;
      case 'Enter':
      case ' ':
        if (current >= 0) {
          event.preventDefault();
          if (event.key === ' ' && onToggle) onToggle(current, event.shiftKey);
          else onOpen?.(current);
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    onActiveChange(next);
  }

  const rows: ReactNode[] = [];
  for (let index = start; index < end; index++) {
    const active = index === activeIndex;
    rows.push(
      <div
        key={index}
        id={`${id}-row-${index}`}
        role="option"
        aria-selected={active}
        aria-posinset={index + 1}
        aria-setsize={count}
        className={`vrow${active ? ' active' : ''}${props.rowClassName ? ` ${props.rowClassName(index)}` : ''}`}
        style={{ transform: `translateY(${index * rowHeight}px)`, height: rowHeight }}
        onClick={() => {
          onActiveChange(index);
          onOpen?.(index);
        }}
      >
        {renderRow(index)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className={`vlist ${props.className ?? ''}`}
      role="listbox"
      aria-label={ariaLabel}
      tabIndex={0}
      aria-activedescendant={activeIndex >= start && activeIndex < end ? `${id}-row-${activeIndex}` : undefined}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      data-count={count}
    >
      <div className="vlist-spacer" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
