/**
 * A button that opens a file picker. A <label> around a hidden input is not in the tab order,
 * so keyboards could not reach it; a real button that clicks the hidden input is (issue 19).
 */
import { useRef, type ChangeEvent } from 'react';

interface FileButtonProps {
  children: React.ReactNode;
  accept?: string;
  className?: string;
  disabled?: boolean;
  /** The hidden input's test id (tests set files on it); the button gets `${inputTestId}-button`. */
  inputTestId: string;
  onChange(e: ChangeEvent<HTMLInputElement>): void;
}

export function FileButton({ children, accept, className = 'btn btn-small', disabled, inputTestId, onChange }: FileButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} disabled={disabled} data-testid={`${inputTestId}-button`} onClick={() => input.current?.click()}>
        {children}
      </button>
      <input ref={input} type="file" accept={accept} hidden disabled={disabled} data-testid={inputTestId} onChange={onChange} />
    </>
  );
}
