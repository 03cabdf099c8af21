import { Text } from '@mantine/core';
import { PageTitle } from '../components/PageTitle';
import { useSession } from '../session/session';

export function NotAvailablePage() {
  const { staff } = useSession();
  return (
    <>
      <PageTitle title="Not available">Not available</PageTitle>
      <Text>There is no such page for the {staff.role} role. Choose a page from the navigation.</Text>
    </>
  );
}
