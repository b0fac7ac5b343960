import type { Ref } from 'preact';
import { useMemo, useRef } from 'preact/hooks';

interface CodeEditorProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** Lines (from 1) a problem names: marked in the gutter. */
  problemLines: ReadonlySet<number>;
  invalid: boolean;
  disabled: boolean;
  describedBy: string;
  textareaRef: Ref<HTMLTextAreaElement>;
  testId: string;
}

const INDENT = '  ';

/**
 * A plain <textarea> with line numbers beside it: monospace, no spell checking, no
 * wrapping (so that a line is a line), Tab indenting by two spaces. Esc, then Tab, leaves
 * the editor as Tab does anywhere else, so that the keyboard is never trapped.
 */
export function CodeEditor({ id, value, onChange, problemLines, invalid, disabled, describedBy, textareaRef, testId }: CodeEditorProps) {
  const gutterRef = useRef<HTMLDivElement>(null);
  const escaped = useRef(false);
  const lineCount = useMemo(() => value.split('\n').length, [value]);

  function onKeyDown(event: KeyboardEvent): void {
    const textarea = event.currentTarget as HTMLTextAreaElement;
    if (event.key === 'Escape') {
      escaped.current = true;
      return;
    }
    if (event.key !== 'Tab' || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey || escaped.current) {
      escaped.current = false;
      return;
    }
    event.preventDefault();
    const { selectionStart: start, selectionEnd: end } = textarea;
    if (start === end) {
      textarea.setRangeText(INDENT, start, end, 'end');
    } else {
      // A selection: indent each line it touches.
      const from = textarea.value.lastIndexOf('\n', start - 1) + 1;
      const block = textarea.value.slice(from, end);
      const indented = block.replace(/^/gm, INDENT);
      textarea.setRangeText(indented, from, end, 'preserve');
      textarea.setSelectionRange(start + INDENT.length, end + indented.length - block.length);
    }
    onChange(textarea.value);
  }

  function onScroll(event: Event): void {
    const gutter = gutterRef.current;
    if (gutter) gutter.scrollTop = (event.currentTarget as HTMLTextAreaElement).scrollTop;
  }

  const numbers = [];
  for (let line = 1; line <= lineCount; line++) {
    numbers.push(
      <div key={line} class={problemLines.has(line) ? 'line-number has-problem' : 'line-number'}>
        {line}
      </div>,
    );
  }

  return (
    <div class={invalid ? 'code-editor invalid' : 'code-editor'}>
      <div class="gutter" ref={gutterRef} aria-hidden="true">
        {numbers}
      </div>
      <textarea
        id={id}
        ref={textareaRef}
        data-testid={testId}
        value={value}
        disabled={disabled}
        spellcheck={false}
        autocomplete="off"
        autocapitalize="off"
        wrap="off"
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onInput={(event) => onChange(event.currentTarget.value)}
        onKeyDown={onKeyDown}
        onScroll={onScroll}
      />
    </div>
  );
}
