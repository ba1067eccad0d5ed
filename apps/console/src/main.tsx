import '@mantine/core/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Badge, MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { App } from './App';

// Contrast (WCAG AA, checked by axe-core in the e2e test): the primary colour one shade darker
// than Mantine's default, black text on light fills, and badges as a coloured dot beside dark text.
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  autoContrast: true,
  defaultRadius: 'sm',
  components: { Badge: Badge.extend({ defaultProps: { variant: 'dot' } }) },
});

// Mantine's dimmed text (gray 6) is below 4.5:1 on white; gray 7 reads at 8:1.
const contrast: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
