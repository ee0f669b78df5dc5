import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

function Console() {
  return <h1>Warden console</h1>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Console />
  </StrictMode>,
);
