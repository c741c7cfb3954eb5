import type { Donation } from '../donations';
import { fillTemplate, mergedThanks } from './bot-template';

type Donor = Pick<Donation, 'id' | 'donorName' | 'amount' | 'currency' | 'message'>;

/** A line waiting to be sent: a thank-you for one or more donations, or an answer to a chat command. */
export type OutgoingLine =
  { kind: 'thanks'; donations: Donor[]; text: string } | { kind: 'command'; text: string };

/**
 * One channel's lines waiting for the chat budget, oldest first, at most `max`. A thank-you that would overflow
 * it is never dropped: the oldest thank-yous are merged into one «Спасибо за донаты: …» line instead. A command
 * answer that would overflow it is dropped (the viewer can ask again). A donation is queued once.
 */
export class BotSendQueue {
  private readonly lines: OutgoingLine[] = [];
  private readonly queued = new Set<string>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.lines.length;
  }

  /** Queues the thank-you for `donation`; false when it is already queued. */
  thank(donation: Donor, template: string): boolean {
    if (this.queued.has(donation.id)) {
      return false;
    }
    this.queued.add(donation.id);
    this.lines.push({ kind: 'thanks', donations: [donation], text: fillTemplate(template, donation) });
    while (this.lines.length > this.max && this.mergeOldestThanks()) {
      // merged two lines into one
    }
    return true;
  }

  /** Queues a command answer; false (dropped) when the queue is full. */
  answer(text: string): boolean {
    if (this.lines.length >= this.max) {
      return false;
    }
    this.lines.push({ kind: 'command', text });
    return true;
  }

  /**
   * Takes the oldest line off the queue to be sent: from now on nothing merges into it. Its donations still
   * count as queued until `done(line)`, so a repeated announcement cannot queue them a second time meanwhile.
   */
  take(): OutgoingLine | undefined {
    return this.lines.shift();
  }

  /** The taken line went out, or was given up: its donations may be queued again. */
  done(line: OutgoingLine): void {
    if (line.kind === 'thanks') {
      line.donations.forEach(({ id }) => this.queued.delete(id));
    }
  }

  /** A taken line that did not go out: first again, as it was (nothing merged into it meanwhile). */
  putBack(line: OutgoingLine): void {
    this.lines.unshift(line);
  }

  has(donationId: string): boolean {
    return this.queued.has(donationId);
  }

  private mergeOldestThanks(): boolean {
    const positions = this.lines.flatMap((line, index) => (line.kind === 'thanks' ? [index] : []));
    if (positions.length < 2) {
      return false;
    }
    const [first, second] = positions;
    const donations = [
      ...(this.lines[first] as Extract<OutgoingLine, { kind: 'thanks' }>).donations,
      ...(this.lines[second] as Extract<OutgoingLine, { kind: 'thanks' }>).donations,
    ];
    this.lines.splice(second, 1);
    this.lines[first] = { kind: 'thanks', donations, text: mergedThanks(donations) };
    return true;
  }
}
