import { MessageXmlError, UnopenableMessageError } from '../core/errors.js';
import type { MessageCipher } from './cipher.js';
import type { RawFields } from './message-types.js';
import { parseXml } from './parse-xml.js';
import { openSealed, type SealedRequest } from './safe-mode.js';

/**
 * What WeChat pushes to a third-party platform's 授权事件接收URL: a flat `<xml>` with
 * `AppId` (the platform's) and `InfoType`, not a message (no `MsgType`).
 * https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/component_verify_ticket.html
 */
interface EventBase {
  /** The platform's own AppID (component_appid). */
  readonly AppId: string;
  readonly CreateTime: string;
}

/** Pushed every 10 minutes: the ticket that `api_component_token` needs. */
export interface VerifyTicketEvent extends EventBase {
  readonly InfoType: 'component_verify_ticket';
  readonly ComponentVerifyTicket: string;
}

/** An account authorised the platform, or changed what it authorised. */
export interface AuthorizationEvent extends EventBase {
  readonly InfoType: 'authorized' | 'updateauthorized';
  readonly AuthorizerAppid: string;
  readonly AuthorizationCode: string;
}

/** An account took its authorisation back. */
export interface UnauthorizationEvent extends EventBase {
  readonly InfoType: 'unauthorized';
  readonly AuthorizerAppid: string;
}

/** Any other InfoType (WeChat adds some): answered `success`, nothing done. */
export interface OtherComponentEvent extends EventBase {
  readonly InfoType: 'other';
  /** The InfoType as WeChat sent it. */
  readonly infoType: string;
}

export type ComponentEvent = VerifyTicketEvent | AuthorizationEvent | UnauthorizationEvent | OtherComponentEvent;

function field(fields: RawFields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw new MessageXmlError(`the push has no ${name}`);
  return value;
}

/**
 * Reads a decrypted push: the general parser's bounds (no entity is expanded, nesting is
 * bounded, the body was bounded before), then the fields its InfoType needs. Throws
 * MessageXmlError when one is missing.
 */
export function parseComponentEvent(xml: string): ComponentEvent {
  const fields = parseXml(xml);
  const base = { AppId: field(fields, 'AppId'), CreateTime: field(fields, 'CreateTime') };
  const infoType = field(fields, 'InfoType');
  switch (infoType) {
    case 'component_verify_ticket':
      return { ...base, InfoType: infoType, ComponentVerifyTicket: field(fields, 'ComponentVerifyTicket') };
    case 'authorized':
    case 'updateauthorized':
      return {
        ...base,
        InfoType: infoType,
        AuthorizerAppid: field(fields, 'AuthorizerAppid'),
        AuthorizationCode: field(fields, 'AuthorizationCode'),
      };
    case 'unauthorized':
      return { ...base, InfoType: infoType, AuthorizerAppid: field(fields, 'AuthorizerAppid') };
    default:
      return { ...base, InfoType: 'other', infoType };
  }
}

/**
 * Opens a push to the platform: `msg_signature` with the platform's token, the
 * ciphertext with its key, the AppID inside it must be the platform's, and the XML
 * must be a push. Throws UnopenableMessageError whatever went wrong, as the webhook does.
 */
export function openComponentEvent(
  cipher: MessageCipher,
  token: string,
  componentAppId: string,
  request: SealedRequest,
  body: string,
): ComponentEvent {
  const { xml } = openSealed(cipher, token, componentAppId, request, body);
  try {
    const event = parseComponentEvent(xml);
    if (event.AppId !== componentAppId) throw new UnopenableMessageError('appid');
    return event;
  } catch (error) {
    if (error instanceof MessageXmlError) throw new UnopenableMessageError('message');
    throw error;
  }
}
