import { formatUsd } from '../format/money';

/** An amount from the API, shown as "$12.50"; the exact value stays in the title. */
export function Usd({ value }: { value: string }) {
  return <span title={`${value} USD`}>{formatUsd(value)}</span>;
}
