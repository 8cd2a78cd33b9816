/** The npm name users install this plugin by (`soulrecall plugins install ...`). */
export const PLUGIN_NAME = '@soulrecall/plugin-history';
