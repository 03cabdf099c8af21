import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { FormEvent, useEffect, useRef, useState } from 'react';
import { messageOf } from '../api/api-error';
import type { SignedOutProps } from '../session/session';

/** A staff token (or ADMIN_TOKEN) in, checked by GET /admin/v1/staff/me; a wrong one shows the API's message here. */
export function SignInPage({ notice, signIn }: SignedOutProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Chuizi Gateway console';
  }, []);

  async function submit(event: FormEvent) {
    // Never a real form submission: the token must not end up in a URL or a request the console did not make.
    event.preventDefault();
    if (pending) return;
    if (!token.trim()) {
      setError('Enter your staff token');
      input.current?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (failure) {
      setError(messageOf(failure));
      setPending(false);
      input.current?.focus();
    }
  }

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={420} component="main">
        <form onSubmit={submit} method="post" noValidate aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h3" id="sign-in-title">
              Chuizi Gateway console
            </Title>
            {notice ? (
              <Alert color="yellow" role="status">
                {notice}
              </Alert>
            ) : null}
            <PasswordInput
              ref={input}
              label="Staff token"
              description="Your staff token, or ADMIN_TOKEN. Kept in this tab only."
              autoComplete="off"
              autoFocus
              value={token}
              onChange={(event) => setToken(event.currentTarget.value)}
              error={error}
              errorProps={{ role: 'alert' }}
            />
            <Button type="submit" loading={pending}>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              Signing out, or closing this tab, forgets the token.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
