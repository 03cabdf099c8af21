import { GatewayError } from '@gw/common';
import { SetModelChannelsDto } from '../channels/channels.dto';
import { AdminValidationPipe } from '../middleware/validation.pipe';

describe('IsObjectEach (on the channel links of PUT /models/:id/channels)', () => {
  const pipe = new AdminValidationPipe();
  const body = { type: 'body' as const, metatype: SetModelChannelsDto };
  const channelId = '00000000-0000-4000-8000-000000000000';

  async function messageOf(value: unknown): Promise<string> {
    try {
      await pipe.transform(value, body);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(400);
      return (error as GatewayError).message;
    }
    throw new Error('expected a validation error');
  }

  // ValidateNested alone validated the entries of an entry that is an array: [[]] passed with nothing checked.
  it.each([
    [[[]], 0],
    [[[{ channelId }]], 0],
    [[{ channelId }, [[]]], 1],
    [[{ channelId }, null], 1],
    [[5], 0],
  ])('refuses %j, naming the entry', async (channels, index) => {
    expect(await messageOf({ channels })).toBe(`Invalid value for 'channels': entry ${index} must be a JSON object`);
  });

  it('still takes objects, and leaves a non-array to IsArray', async () => {
    const dto = await pipe.transform({ channels: [{ channelId, priority: 1 }] }, body);
    expect(dto).toEqual({ channels: [{ channelId, priority: 1 }] });
    expect(await messageOf({ channels: {} })).toMatch(/^Invalid value for 'channels': must be an array/);
    expect(await messageOf({ channels: [{}] })).toBe("Missing required field 'channels.0.channelId'");
  });
});
