import { Alert, Button, Center, createTheme, Group, MantineProvider, Stack } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, ReactNode, Suspense, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import type { Capabilities } from './access/capabilities';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Shell } from './layout/Shell';
import { AccountPage } from './pages/AccountPage';
import { AccountsPage } from './pages/AccountsPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { KeysPage } from './pages/KeysPage';
import { NotAvailablePage } from './pages/NotAvailablePage';
import { ReconciliationPage } from './pages/ReconciliationPage';
import { ReconciliationsPage } from './pages/ReconciliationsPage';
import { SignInPage } from './pages/SignInPage';
import { SessionGate, useSession } from './session/session';
import { Loading } from './components/Loading';

// The charts library is the largest dependency: the Usage page loads it on its own.
const UsagePage = lazy(() => import('./pages/UsagePage'));

const theme = createTheme({ primaryColor: 'blue', defaultRadius: 'sm' });

/** A page the role may not use is not there for it (it is not in its navigation either). */
function Allowed({ when, children }: { when: (can: Capabilities) => boolean; children: ReactNode }) {
  const { can } = useSession();
  return when(can) ? <>{children}</> : <NotAvailablePage />;
}

function ConsoleRoutes() {
  return (
    <Shell>
      <ErrorBoundary>
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<Navigate to="/accounts" replace />} />
            <Route path="/accounts" element={<Allowed when={(can) => can.readAccounts}><AccountsPage /></Allowed>} />
            <Route path="/accounts/:accountId" element={<Allowed when={(can) => can.readAccounts}><AccountPage /></Allowed>} />
            <Route path="/keys" element={<Allowed when={(can) => can.readKeys}><KeysPage /></Allowed>} />
            <Route
              path="/usage"
              element={<Allowed when={(can) => can.readDailyUsage || can.lookUpGenerations}><UsagePage /></Allowed>}
            />
            <Route path="/reconciliations" element={<Allowed when={(can) => can.reconcile}><ReconciliationsPage /></Allowed>} />
            <Route
              path="/reconciliations/:runId"
              element={<Allowed when={(can) => can.reconcile}><ReconciliationPage /></Allowed>}
            />
            <Route path="/audit-log" element={<Allowed when={(can) => can.readAuditLog}><AuditLogPage /></Allowed>} />
            <Route path="*" element={<NotAvailablePage />} />
          </Routes>
        </Suspense>
      </ErrorBoundary>
    </Shell>
  );
}

export function App() {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        // Failures show at once, with the API's message and a way to try again; nothing refetches behind the user's back.
        defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
      }),
  );
  return (
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/console">
          <SessionGate
            signedOut={(props) => <SignInPage {...props} />}
            restoring={
              <Center h="100vh">
                <Loading what="your session" />
              </Center>
            }
            unreachable={({ message, retry, signOut }) => (
              <Center h="100vh">
                <Stack maw={480}>
                  <Alert color="red" title="Could not reach the admin API" role="alert">
                    {message}
                  </Alert>
                  <Group>
                    <Button onClick={retry}>Try again</Button>
                    <Button variant="default" onClick={signOut}>
                      Sign out
                    </Button>
                  </Group>
                </Stack>
              </Center>
            )}
          >
            <ConsoleRoutes />
          </SessionGate>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
