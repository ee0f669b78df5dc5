/** This build's version, as the MCP server info and trace resources give it. */
export const WARDEN_VERSION = '0.1.0';
