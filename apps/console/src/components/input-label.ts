/**
 * Props that label a Mantine combobox input (TagsInput, Select) and nothing else. Mantine labels the input's options
 * list (role="listbox", kept in the page, hidden, while closed) with the same label element (`<id>-label`), so a
 * locator by the field's label (`getByLabel('IP allow-list')`) matched two elements, the field and its hidden list,
 * and a test filling it failed on the ambiguity. The label element gets another id: the list is left unnamed, and the
 * input stays labelled by its `<label for>`.
 */
export function inputOnlyLabel(id: string): { id: string; labelProps: { id: string } } {
  return { id, labelProps: { id: `${id}-input-label` } };
}

/** A DOM id from React's useId (whose colons or guillemets are valid in an id but not in a CSS selector). */
export function domId(reactId: string, suffix = ''): string {
  return `f${reactId.replace(/[^A-Za-z0-9_-]/g, '')}${suffix ? `-${suffix}` : ''}`;
}
