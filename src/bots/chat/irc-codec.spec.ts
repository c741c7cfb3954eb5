import {
  IrcFormatError,
  escapeTagValue,
  parseIrcFrame,
  parseIrcLine,
  parseIrcPrefix,
  serializeIrcMessage,
  unescapeTagValue,
} from './irc-codec';

describe('irc-codec', () => {
  describe(parseIrcLine.name, () => {
    it('reads tags, prefix, command, middle params and the trailing one of a Twitch PRIVMSG', () => {
      const line =
        '@badge-info=subscriber/8;badges=subscriber/6,premium/1;display-name=Ronni\\sR;emotes=;' +
        'id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;tmi-sent-ts=1642696567751;user-id=1337 ' +
        ':ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #dallas :Kappa Keepo: Kappa';

      expect(parseIrcLine(line)).toEqual({
        tags: {
          'badge-info': 'subscriber/8',
          badges: 'subscriber/6,premium/1',
          'display-name': 'Ronni R',
          emotes: '',
          id: 'b34ccfc7-4977-403a-8a94-33c6bac34fb8',
          mod: '0',
          'tmi-sent-ts': '1642696567751',
          'user-id': '1337',
        },
        prefix: 'ronni!ronni@ronni.tmi.twitch.tv',
        command: 'PRIVMSG',
        params: ['#dallas', 'Kappa Keepo: Kappa'],
        trailing: true,
      });
    });

    it('reads a numeric reply with several middle params and no tags', () => {
      expect(parseIrcLine(':bot.tmi.twitch.tv 366 bot #dallas :End of /NAMES list')).toEqual({
        tags: {},
        prefix: 'bot.tmi.twitch.tv',
        command: '366',
        params: ['bot', '#dallas', 'End of /NAMES list'],
        trailing: true,
      });
    });

    it('reads a command without prefix or params, in any case, and strips the line ending', () => {
      expect(parseIrcLine('reconnect\r\n')).toEqual({ tags: {}, command: 'RECONNECT', params: [] });
    });

    it('keeps an empty trailing param apart from no param', () => {
      expect(parseIrcLine('PRIVMSG #c :')?.params).toEqual(['#c', '']);
      expect(parseIrcLine('PING')?.params).toEqual([]);
    });

    it('reads a tag without "=" and a tag with "=" but no value as empty', () => {
      expect(parseIrcLine('@flag;color= :tmi.twitch.tv USERSTATE #c')?.tags).toEqual({ flag: '', color: '' });
    });

    it('tolerates several spaces between words', () => {
      expect(parseIrcLine(':tmi.twitch.tv  PING   a  :b c')?.params).toEqual(['a', 'b c']);
    });

    it('gives undefined for a blank line or one with only tags and a prefix', () => {
      expect(parseIrcLine('')).toBeUndefined();
      expect(parseIrcLine('@a=b :tmi.twitch.tv')).toBeUndefined();
    });
  });

  describe('tag values', () => {
    it('unescapes \\: \\s \\\\ \\r \\n', () => {
      expect(unescapeTagValue('a\\:b\\sc\\\\d\\re\\nf')).toBe('a;b c\\d\re\nf');
    });

    it('reads another escaped character as itself and drops a lone final backslash', () => {
      expect(unescapeTagValue('\\x\\')).toBe('x');
    });

    it('escapes what unescapes back to the same value', () => {
      const value = 'semi;colon space\\back\rcr\nlf';
      expect(escapeTagValue(value)).toBe('semi\\:colon\\sspace\\\\back\\rcr\\nlf');
      expect(unescapeTagValue(escapeTagValue(value))).toBe(value);
    });

    it('round-trips an escaped tag through a whole line', () => {
      const line = serializeIrcMessage({ tags: { msg: 'a; b\\c' }, command: 'NOTICE', params: ['#c', 'x'] });
      expect(parseIrcLine(line)?.tags).toEqual({ msg: 'a; b\\c' });
    });
  });

  describe(parseIrcFrame.name, () => {
    it('splits a frame into its \\r\\n lines, skipping blank ones', () => {
      const frame =
        ':tmi.twitch.tv 001 bot :Welcome, GLHF!\r\n:tmi.twitch.tv 002 bot :Your host is tmi.twitch.tv\r\n\r\n';
      expect(parseIrcFrame(frame).map((message) => message.command)).toEqual(['001', '002']);
    });

    it('accepts bare \\n line endings', () => {
      expect(parseIrcFrame('PING :a\nPING :b').map((message) => message.params[0])).toEqual(['a', 'b']);
    });
  });

  describe(serializeIrcMessage.name, () => {
    it('writes tags, prefix, command and params', () => {
      expect(
        serializeIrcMessage({
          tags: { 'display-name': 'Ronni R', mod: '1' },
          prefix: 'ronni!ronni@ronni.tmi.twitch.tv',
          command: 'PRIVMSG',
          params: ['#dallas', 'hello there'],
        }),
      ).toBe('@display-name=Ronni\\sR;mod=1 :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #dallas :hello there');
    });

    it('adds ":" to the last param only when needed, or when asked to', () => {
      expect(serializeIrcMessage({ tags: {}, command: 'JOIN', params: ['#c'] })).toBe('JOIN #c');
      expect(serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: ['#c', ':)'] })).toBe(
        'PRIVMSG #c ::)',
      );
      expect(serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: ['#c', ''] })).toBe('PRIVMSG #c :');
      expect(
        serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: ['#c', 'hi'], trailing: true }),
      ).toBe('PRIVMSG #c :hi');
    });

    it('round-trips what it parses', () => {
      const line = '@a=1;b=x\\sy :n!n@n.tmi.twitch.tv PRIVMSG #c :text with : colon';
      expect(serializeIrcMessage(parseIrcLine(line)!)).toBe(line);
    });

    it('refuses a line break or NUL in any param, so text cannot smuggle in a command', () => {
      const smuggled = { tags: {}, command: 'PRIVMSG', params: ['#c', 'hi\r\nJOIN #other'] };
      expect(() => serializeIrcMessage(smuggled)).toThrow(IrcFormatError);
      expect(() => serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: ['#c', 'a\0b'] })).toThrow(
        IrcFormatError,
      );
    });

    it('refuses a middle param with a space or a leading ":", and a malformed command', () => {
      expect(() => serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: ['#a b', 'x'] })).toThrow(
        IrcFormatError,
      );
      expect(() => serializeIrcMessage({ tags: {}, command: 'PRIVMSG', params: [':c', 'x'] })).toThrow(
        IrcFormatError,
      );
      expect(() => serializeIrcMessage({ tags: {}, command: 'PRIV MSG', params: [] })).toThrow(
        IrcFormatError,
      );
    });
  });

  describe(parseIrcPrefix.name, () => {
    it('splits nick!user@host', () => {
      expect(parseIrcPrefix('ronni!ronni@ronni.tmi.twitch.tv')).toEqual({
        nick: 'ronni',
        user: 'ronni',
        host: 'ronni.tmi.twitch.tv',
      });
    });

    it('reads a server name as a host', () => {
      expect(parseIrcPrefix('tmi.twitch.tv')).toEqual({ host: 'tmi.twitch.tv' });
    });
  });
});
