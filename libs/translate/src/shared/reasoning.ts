import type { ReasoningEffort } from '../model';

/**
 * One table between effort levels (OpenAI, Anthropic's adaptive thinking, Gemini 3's thinkingLevel) and token
 * budgets (Anthropic's manual thinking, Gemini 2.5's thinkingBudget), used in both directions.
 */
const BUDGET_BY_EFFORT: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 65536,
};

export function budgetForEffort(effort: ReasoningEffort): number {
  return BUDGET_BY_EFFORT[effort];
}

export function effortForBudget(budgetTokens: number): ReasoningEffort {
  if (budgetTokens <= BUDGET_BY_EFFORT.low) return 'low';
  if (budgetTokens <= BUDGET_BY_EFFORT.medium) return 'medium';
  return 'high';
}

export const EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

export function isEffort(value: unknown): value is ReasoningEffort {
  return typeof value === 'string' && (EFFORTS as readonly string[]).includes(value);
}

/** The first two numbers of a model name (`claude-sonnet-4-6` -> [4, 6], `gemini-2.5-flash` -> [2, 5]). */
export function modelVersion(model: string): [number, number] | null {
  const match = /(?:^|[-_.a-z])(\d{1,2})(?:[-.](\d{1,2})(?!\d))?/.exec(model.toLowerCase().replace(/^.*\//, ''));
  if (match === null) return null;
  return [Number(match[1]), match[2] === undefined ? 0 : Number(match[2])];
}
