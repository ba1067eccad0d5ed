import { useEffect, useState } from 'react';
import { Anchor, AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { clearSession, loadSession, type Session } from './session';
import { href, navigate, useRoute } from './router';
import { SignIn } from './pages/SignIn';
import { Instances } from './pages/Instances';
import { InstancePage } from './pages/InstancePage';
import { Operator } from './pages/Operator';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [opened, { toggle }] = useDisclosure();
  const route = useRoute();

  useEffect(() => {
    const signedOut = () => setSession(null);
    window.addEventListener('mqc:signed-out', signedOut);
    return () => window.removeEventListener('mqc:signed-out', signedOut);
  }, []);

  if (!session) return <SignIn onSignedIn={setSession} />;

  const signOut = () => {
    clearSession();
    setSession(null);
    navigate('');
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Anchor href={href('')} onClick={(e) => (e.preventDefault(), navigate(''))} underline="never">
              <Title order={3}>MQC</Title>
            </Anchor>
            <Text c="dimmed" size="sm" visibleFrom="xs">
              {session.kind === 'operator' ? 'operator' : 'tenant console'}
            </Text>
          </Group>
          <Button variant="default" size="xs" onClick={signOut}>
            Sign out
          </Button>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {session.kind === 'tenant' ? (
          <NavLink label="Instances" href={href('')} active={route.length === 0 || route[0] === 'instances'} onClick={(e) => (e.preventDefault(), navigate(''))} />
        ) : (
          <NavLink label="Operator" href={href('')} active onClick={(e) => (e.preventDefault(), navigate(''))} />
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        {session.kind === 'operator' ? <Operator /> : route[0] === 'instances' && route[1] ? <InstancePage id={route[1]} tab={route[2] ?? 'overview'} /> : <Instances />}
      </AppShell.Main>
    </AppShell>
  );
}
