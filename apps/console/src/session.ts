/** Who is signed in: a tenant API key or the operator token, kept for this browser tab only. */
export type SessionKind = 'tenant' | 'operator';

export interface Session {
  kind: SessionKind;
  token: string;
}

const KEY = 'mqc.console.session';

export function loadSession(): Session | null {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return null;
  try {
    const parsed = JSON.parse(stored) as Session;
    return parsed.kind && parsed.token ? parsed : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
