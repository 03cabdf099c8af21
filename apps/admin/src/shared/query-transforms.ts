/** Query strings arrive as text: integers are converted only when they are plainly integers (else validation fails). */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : value;

/** `?accountId=` with nothing after it means "no filter", as a form would send it. */
export const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
