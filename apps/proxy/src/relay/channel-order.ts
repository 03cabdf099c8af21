/**
 * The order in which one request tries a model's channels: by priority (lower first); within a priority, a weighted
 * random order, so that traffic splits by weight and a failed channel's share falls on the others in proportion.
 * Efraimidis-Spirakis: sorting by u^(1/w), u uniform in [0, 1), gives each permutation its weighted probability.
 */
export function channelOrder<T extends { priority: number; weight: number }>(
  channels: readonly T[],
  random: () => number = Math.random,
): readonly T[] {
  if (channels.length <= 1) return channels;
  return channels
    .map((channel) => ({ channel, key: random() ** (1 / Math.max(1, channel.weight)) }))
    .sort((a, b) => a.channel.priority - b.channel.priority || b.key - a.key)
    .map(({ channel }) => channel);
}
