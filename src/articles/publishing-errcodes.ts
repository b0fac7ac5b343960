/**
 * WeChat's refusals of the publishing calls, each explained in one line: what it means for
 * the account and what to do. The errcode and WeChat's own errmsg go with it.
 */
const EXPLANATIONS: Readonly<Record<number, string>> = {
  48001:
    'the account lacks the permission for this API: since July 2025 personal and unverified accounts cannot publish or mass send by API (verify the account, or publish from the web editor)',
  45028: 'no mass-send quota left: a service account may reach each follower 4 times a month, a subscription account send once a day',
  45106: 'WeChat retired this API (material/add_news): articles go through drafts (draft/add), then freepublish/submit or a mass send',
  45009: 'the account reached its daily quota of calls to this API: try again tomorrow (or reset the quota in the admin console)',
  45065: 'WeChat already took a mass send with this clientmsgid within 24 hours: the same send is not made twice',
  45066: 'the same clientmsgid was retried within a minute: wait a minute, then run the same command again',
  40007: 'WeChat does not know this media_id: the draft was published, mass sent or deleted (run draft again to add a new one)',
  45166: 'WeChat refused the article’s content (a script, or an image not uploaded through media/uploadimg)',
  40130: 'a mass send to listed openids needs at least 2 of them (send one follower a preview instead)',
  53600: 'WeChat does not know this publish_id',
};

/** The one-line explanation of a publishing errcode, or undefined for one without. */
export function explainPublishingErrcode(errcode: number): string | undefined {
  return EXPLANATIONS[errcode];
}
