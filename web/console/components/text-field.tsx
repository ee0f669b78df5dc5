import type { InputHTMLAttributes } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'size'>;

/**
 * A labelled text field as the console's forms lay them out: the label above the input; `size` grow
 * takes the room left in its row, narrow is a few characters wide.
 */
export function TextField(props: InputProps & { label: string; value: string; onChange(value: string): void; size?: 'grow' | 'narrow' }) {
  const { label, value, onChange, size, ...input } = props;
  return (
    <label className={size ? `field ${size}` : 'field'}>
      {label}
      <input {...input} value={value} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}
