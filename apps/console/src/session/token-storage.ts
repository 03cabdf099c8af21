/**
 * The staff token lives in sessionStorage: this tab only, gone when it closes, never in a URL, a cookie or
 * localStorage (spec/console.md).
 */
const TOKEN_KEY = 'chuizi.console.staffToken';

export const tokenStorage = {
  read: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  write: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};
