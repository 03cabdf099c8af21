import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { bodyProblemOf, raiseBodyProblem, recordBodyProblem } from './body-problem';

describe(raiseBodyProblem.name, () => {
  const reply = () => {
    const headers: Record<string, string> = {};
    const sut = { header: (name: string, value: string) => ((headers[name] = value), sut) };
    return { sut: sut as unknown as FastifyReply, headers };
  };

  it('does nothing for a body without a problem', () => {
    const { sut, headers } = reply();
    expect(() => raiseBodyProblem({} as FastifyRequest, sut)).not.toThrow();
    expect(headers).toEqual({});
  });

  it('throws the first problem recorded, and closes the connection after the answer', () => {
    const request = {} as FastifyRequest;
    const first = GatewayError.invalidRequest('Request body is not valid JSON');
    recordBodyProblem(request, first);
    recordBodyProblem(request, GatewayError.invalidRequest('Unsupported content type: send the body as application/json'));
    expect(bodyProblemOf(request)).toBe(first);
    const { sut, headers } = reply();
    expect(() => raiseBodyProblem(request, sut)).toThrow(first);
    expect(headers).toEqual({ connection: 'close' });
  });
});
