import { isIPv6 } from 'node:net';

const date = '\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])';
const time = '(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)';
const duration =
  'P(?!$)(?:\\d+Y)?(?:\\d+M)?(?:\\d+W)?(?:\\d+D)?' +
  '(?:T(?=\\d)(?:\\d+H)?(?:\\d+M)?(?:\\d+(?:\\.\\d+)?S)?)?';
const ipv4Octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

function matcher(source: string, flags = ''): (text: string) => boolean {
  const regex = new RegExp(`^(?:${source})$`, flags);
  return (text) => regex.test(text);
}

/** The string formats OpenAI structured outputs accept, each with a checker for a string value. */
export const stringFormats: ReadonlyMap<string, (text: string) => boolean> = new Map([
  ['date-time', matcher(`${date}[Tt ]${time}`)],
  ['date', matcher(date)],
  ['time', matcher(time)],
  ['duration', matcher(duration)],
  ['email', matcher('[^\\s@]+@[^\\s@.]+(?:\\.[^\\s@.]+)+')],
  [
    'hostname',
    matcher('(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*', 'i'),
  ],
  ['ipv4', matcher(`(?:${ipv4Octet}\\.){3}${ipv4Octet}`)],
  ['ipv6', (text: string) => isIPv6(text)],
  ['uuid', matcher('[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'i')],
]);
