import { Button, Group, Modal, Text } from '@mantine/core';
import { ReactNode, useEffect } from 'react';

export interface ConfirmDialogProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A confirmation before something that cannot be undone. While it is open the rest of the page is inert and hidden
 * from assistive technology (the dialog is portalled outside #root), so the only buttons left are the dialog's.
 */
export function ConfirmDialog({ opened, title, children, confirmLabel, pending, onConfirm, onCancel }: ConfirmDialogProps) {
  useEffect(() => {
    const root = document.getElementById('root');
    if (!root || !opened) return;
    root.setAttribute('aria-hidden', 'true');
    root.inert = true;
    return () => {
      root.removeAttribute('aria-hidden');
      root.inert = false;
    };
  }, [opened]);

  return (
    <Modal opened={opened} onClose={onCancel} title={title} centered closeButtonProps={{ 'aria-label': 'Cancel' }}>
      <Text size="sm" mb="md">
        {children}
      </Text>
      <Group justify="flex-end">
        {/* The safe choice has the focus. */}
        <Button variant="default" onClick={onCancel} disabled={pending} data-autofocus>
          Keep it
        </Button>
        <Button color="red" onClick={onConfirm} loading={pending}>
          {confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}
