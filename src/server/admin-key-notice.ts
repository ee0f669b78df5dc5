/** The admin key goes to the terminal, once, and never through the logger. */
export function showGeneratedAdminKey(key: string): void {
  process.stdout.write(
    [
      '',
      '  Admin API key (shown this once; Warden keeps only its hash):',
      '',
      `    ${key}`,
      '',
      '  Keep it somewhere safe. Lost it? Start with WARDEN_ADMIN_KEY set to a key of your choosing.',
      '',
      '',
    ].join('\n'),
  );
}
