/** Number formats shared by the report's tables; a figure that could not be measured (NaN) reads "n/a". */
export const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
export const signedMs = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : 'n/a');
export const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');
