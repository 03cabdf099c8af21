import { Alert, Button } from '@mantine/core';
import { Component, ReactNode } from 'react';
import { messageOf } from '../api/api-error';

/** A page that throws while rendering says so, instead of leaving a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <Alert color="red" title="This page failed" role="alert">
        <p>{messageOf(this.state.error)}</p>
        <Button size="xs" variant="white" color="red" onClick={() => this.setState({ error: null })}>
          Try again
        </Button>
      </Alert>
    );
  }
}
