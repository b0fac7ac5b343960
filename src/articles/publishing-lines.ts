import { explainPublishingErrcode } from './publishing-errcodes.js';
import type { StatusReport } from './publisher.js';

/**
 * What the account's mass-send limits mean for the send about to be made, said before
 * it is: WeChat counts a send against every follower it reaches, whatever the audience.
 */
export function limitsNote(audience: string): string {
  return (
    `mass send to ${audience}: a service account (服务号) reaches each follower at most 4 times a month, ` +
    'a subscription account (订阅号) sends once a day; WeChat answers 45028 when none is left'
  );
}

/** `err(<code>)` of MASSSENDJOBFINISH: WeChat's reasons a mass send failed. */
const MASS_FAILURES: Readonly<Record<string, string>> = {
  '10001': 'suspected advertising',
  '20001': 'suspected politics',
  '20004': 'suspected social content',
  '20002': 'suspected pornography',
  '20006': 'suspected illegal content',
  '20008': 'suspected rumours',
  '20013': 'suspected copyright infringement',
  '21000': 'suspected other content',
  '22000': 'suspected copyright infringement (an original article reposted)',
  '30001': 'the originality check failed',
  '30002': 'the originality check failed, and the article was not sent',
  '30003': 'the originality check failed: set send_ignore_reprint (--allow-reprint) to send it as a repost',
  '40001': 'the originality check timed out: send again',
};

/** The lines `status` prints for a report. */
export function describeStatus(report: StatusReport): string[] {
  switch (report.kind) {
    case 'publish': {
      const source = report.source === 'event' ? 'WeChat reported' : 'WeChat says now';
      const lines = [`publish ${report.publishId}: ${report.meaning} (publish_status ${report.status}; ${source})`];
      for (const [index, url] of report.articleUrls.entries()) lines.push(`  article ${index + 1}: ${url}`);
      if (report.failIdx.length > 0) lines.push(`  failed articles (fail_idx): ${report.failIdx.join(', ')}`);
      if (report.status === 1) lines.push('  WeChat sends PUBLISHJOBFINISH when it is done: ask again later');
      return lines;
    }
    case 'mass': {
      if (report.result !== undefined) {
        const { result } = report;
        const counts = [
          ['total', result.total],
          ['after filtering', result.filtered],
          ['sent', result.sent],
          ['errors', result.errors],
        ]
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => `${name} ${value}`);
        const lines = [`mass send ${report.msgId}: ${result.status}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`];
        const code = /^err\((\d+)\)$/.exec(result.status)?.[1];
        if (code !== undefined) lines.push(`  ${MASS_FAILURES[code] ?? `WeChat's reason ${code}`}`);
        return lines;
      }
      const lines = [`mass send ${report.msgId}: ${report.status} (WeChat says now; no MASSSENDJOBFINISH recorded yet)`];
      if (report.status === 'SENDING') {
        lines.push(
          '  still sending, or waiting for mass-send protection (群发保护): an administrator must confirm the send on the phone, or it is never sent',
        );
      }
      return lines;
    }
    case 'send': {
      const { send } = report;
      if (send.errcode !== undefined) {
        return [`mass send ${send.clientMsgId}: WeChat answered ${send.errcode}: ${explainPublishingErrcode(send.errcode) ?? 'refused'}`];
      }
      return [`mass send ${send.clientMsgId}: ${send.msgIds.length > 0 ? `msg_id ${send.msgIds.join(', ')}` : 'being sent'}`];
    }
  }
}
