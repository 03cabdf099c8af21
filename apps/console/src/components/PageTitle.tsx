import { Title } from '@mantine/core';
import { ReactNode, useEffect, useRef } from 'react';

/**
 * The page's one h1, also the document title. Focus moves to it when the page opens, so that a screen reader announces
 * the new page after a client-side navigation (as it would after a full page load).
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Chuizi Gateway console`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <Title order={1} size="h2" ref={heading} tabIndex={-1} style={{ outline: 'none' }} mb="md">
      {children}
    </Title>
  );
}
