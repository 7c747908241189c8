/** The access token, in memory only: never localStorage or a readable cookie (an XSS could take it from there). */
let accessToken: string | null = null;

export const getAccessToken = (): string | null => accessToken;
export const setAccessToken = (token: string | null): void => {
  accessToken = token;
};
