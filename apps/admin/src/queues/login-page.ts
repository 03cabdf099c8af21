/** The dashboard's sign-in form: the staff token is posted in the body (never in a URL, so never in a log). */
export function loginPage(action: string, problem: string | null): string {
  const message = problem ? `<p class="problem">${escapeHtml(problem)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chuizi Gateway queues: sign in</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }
  label, input, button { display: block; width: 100%; box-sizing: border-box; }
  input { margin: .5rem 0 1rem; padding: .5rem; font-family: monospace; }
  button { padding: .5rem; }
  .problem { color: #b00020; }
</style>
</head>
<body>
<h1>Queue dashboard</h1>
<p>Admin staff only. Paste your staff token: it is exchanged for a session of one hour in this browser.</p>
${message}
<form method="post" action="${escapeHtml(action)}">
  <label for="token">Staff token</label>
  <input id="token" name="token" type="password" autocomplete="off" required maxlength="512" autofocus>
  <button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
