import { BotSendQueue } from './bot-send-queue';

const TEMPLATE = 'Спасибо, {name}!';
const donation = (id: string, donorName: string | null = id) => ({
  id,
  donorName,
  amount: '10.00',
  currency: 'RUB',
  message: null,
});

function drain(queue: BotSendQueue): string[] {
  const texts: string[] = [];
  for (let line = queue.take(); line; line = queue.take()) {
    texts.push(line.text);
    queue.done(line);
  }
  return texts;
}

describe(BotSendQueue.name, () => {
  it('sends lines oldest first', () => {
    const queue = new BotSendQueue(5);
    queue.thank(donation('a'), TEMPLATE);
    queue.answer('!donate answer');
    queue.thank(donation('b'), TEMPLATE);
    expect(drain(queue)).toEqual(['Спасибо, a!', '!donate answer', 'Спасибо, b!']);
  });

  it('queues a donation once, and again only after its line left', () => {
    const queue = new BotSendQueue(5);
    expect(queue.thank(donation('a'), TEMPLATE)).toBe(true);
    expect(queue.thank(donation('a'), TEMPLATE)).toBe(false);
    expect(queue.size).toBe(1);
    const line = queue.take()!;
    expect(queue.thank(donation('a'), TEMPLATE)).toBe(false);
    queue.done(line);
    expect(queue.has('a')).toBe(false);
  });

  it('merges the oldest thank-yous instead of dropping any when full', () => {
    const queue = new BotSendQueue(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      queue.thank(donation(id), TEMPLATE);
    }
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual([
      'Спасибо за донаты: a (10 RUB), b (10 RUB), c (10 RUB)',
      'Спасибо, d!',
      'Спасибо, e!',
    ]);
  });

  it('keeps every merged donation on its line, so each is claimed when the line goes', () => {
    const queue = new BotSendQueue(2);
    ['a', 'b', 'c'].forEach((id) => queue.thank(donation(id, null), TEMPLATE));
    const first = queue.take();
    expect(first).toMatchObject({
      kind: 'thanks',
      text: 'Спасибо за донаты: Аноним (10 RUB), Аноним (10 RUB)',
    });
    expect(first?.kind === 'thanks' && first.donations.map(({ id }) => id)).toEqual(['a', 'b']);
  });

  it('never merges into a line taken to be sent, so no donor is lost with it', () => {
    const queue = new BotSendQueue(2);
    queue.thank(donation('a'), TEMPLATE);
    const sending = queue.take()!;
    ['b', 'c', 'd'].forEach((id) => queue.thank(donation(id), TEMPLATE));

    expect(sending.text).toBe('Спасибо, a!');
    queue.done(sending);
    expect(drain(queue)).toEqual(['Спасибо за донаты: b (10 RUB), c (10 RUB)', 'Спасибо, d!']);
  });

  it('puts a line that did not go out back first, unchanged', () => {
    const queue = new BotSendQueue(5);
    queue.thank(donation('a'), TEMPLATE);
    queue.thank(donation('b'), TEMPLATE);
    const line = queue.take()!;
    queue.putBack(line);
    expect(drain(queue)).toEqual(['Спасибо, a!', 'Спасибо, b!']);
  });

  it('drops a command answer when full rather than a thank-you', () => {
    const queue = new BotSendQueue(1);
    queue.thank(donation('a'), TEMPLATE);
    expect(queue.answer('link')).toBe(false);
    expect(drain(queue)).toEqual(['Спасибо, a!']);
  });
});
