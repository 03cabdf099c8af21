import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { NavLink as RouterNavLink, useLocation } from 'react-router';
import { sectionsFor } from '../access/capabilities';
import { useSession } from '../session/session';

/** Header (who is signed in, Sign out), the role's navigation, and the page. */
export function Shell({ children }: { children: ReactNode }) {
  const { staff, signOut } = useSession();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      {/* The first stop of the Tab key: past the header and the navigation, straight to the page. */}
      <a href="#page" className="skip-link">
        Skip to the page
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={2} size="h4">
              Chuizi Gateway console
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" aria-label="Signed in as">
              {staff.email}
            </Text>
            <Badge variant="outline">{staff.role}</Badge>
            <Button variant="default" size="xs" onClick={() => signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <nav aria-label="Main">
          {sectionsFor(staff.role).map((section) => (
            <NavLink
              key={section.path}
              component={RouterNavLink}
              to={section.path}
              label={section.label}
              active={location.pathname === section.path || location.pathname.startsWith(`${section.path}/`)}
              onClick={close}
            />
          ))}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main id="page" tabIndex={-1} style={{ outline: 'none' }}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
