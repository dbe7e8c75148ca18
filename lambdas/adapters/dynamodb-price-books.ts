import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError } from '../core/errors.js';
import type { UnavailableOffer } from '../core/ports.js';
import type { Offer, PriceBook, QuotaLimit } from '../core/pricing/offer.js';
import { chunkOffers, keyItem, N, num, parseJson, S, str } from './dynamodb-item-codec.js';
import type { DynamoTable } from './dynamodb-table.js';
import { checkPriceBook } from './in-memory-ledger.js';
import { LEDGER_ATTRIBUTES as A, ledgerKeys as K } from './table-definition.js';

/** Price books (chunked offers, an index by storage time) and offers marked unavailable. */
export class DynamoDbPriceBooks {
  readonly #t: DynamoTable;

  constructor(table: DynamoTable) {
    this.#t = table;
  }

  async putPriceBook(book: PriceBook): Promise<'stored' | 'duplicate'> {
    checkPriceBook(book);
    return this.#t.guard('putPriceBook', book.id, async () => {
      const existing = await this.#t.get(K.priceBookMeta(book.id));
      if (existing !== undefined) {
        // Re-point the index in case a previous attempt stopped between the two writes.
        await this.#putIndex(str(existing, 'storedAt', 'price book'), book.id);
        return 'duplicate';
      }
      const chunks = chunkOffers(book.offers);
      // Chunks first, metadata next, index last: a reader never finds a book with missing offers.
      await Promise.all(
        chunks.map((offers, index) =>
          this.#t.client.send(
            new PutItemCommand({
              TableName: this.#t.table,
              Item: {
                ...keyItem(K.priceBookChunk(book.id, index)),
                kind: S('PRICEBOOK_CHUNK'),
                offers: S(JSON.stringify(offers)),
              },
            }),
          ),
        ),
      );
      const storedAt = this.#t.now();
      try {
        await this.#t.client.send(
          new PutItemCommand({
            TableName: this.#t.table,
            Item: {
              ...keyItem(K.priceBookMeta(book.id)),
              kind: S('PRICEBOOK'),
              id: S(book.id),
              source: S(book.source),
              asOf: S(book.asOf),
              storedAt: S(storedAt),
              chunkCount: N(chunks.length),
              offerCount: N(book.offers.length),
              // A handful of Service Quotas limits: small enough to sit on the meta item as JSON.
              // Left out when the book has none, so such books read back without the key.
              ...(book.quotas === undefined ? {} : { quotas: S(JSON.stringify(book.quotas)) }),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return 'duplicate';
        throw err;
      }
      await this.#putIndex(storedAt, book.id);
      return 'stored';
    });
  }

  async #putIndex(storedAt: string, bookId: string): Promise<void> {
    await this.#t.client.send(
      new PutItemCommand({
        TableName: this.#t.table,
        Item: {
          ...keyItem(K.priceBookIndex(storedAt, bookId)),
          kind: S('PRICEBOOK_INDEX'),
          bookId: S(bookId),
        },
      }),
    );
  }

  async getPriceBook(id: string): Promise<PriceBook | undefined> {
    return this.#t.guard('getPriceBook', id, async () => {
      const meta = await this.#t.get(K.priceBookMeta(id));
      if (meta === undefined) return undefined;
      const chunks = await this.#t.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': S(K.priceBookMeta(id).pk), ':prefix': S(K.priceBookChunkPrefix) },
        ConsistentRead: true,
      });
      const offers = chunks.flatMap((chunk) => parseJson<Offer[]>(chunk, 'offers', 'price book chunk'));
      const expectedChunks = num(meta, 'chunkCount', 'price book');
      const expectedOffers = num(meta, 'offerCount', 'price book');
      if (chunks.length !== expectedChunks || offers.length !== expectedOffers) {
        throw new CorruptRecordError(
          'price book',
          id,
          `found ${chunks.length}/${expectedChunks} chunks and ${offers.length}/${expectedOffers} offers`,
        );
      }
      return {
        id: str(meta, 'id', 'price book'),
        source: str(meta, 'source', 'price book') as PriceBook['source'],
        asOf: str(meta, 'asOf', 'price book'),
        offers,
        ...(meta.quotas === undefined
          ? {}
          : { quotas: parseJson<QuotaLimit[]>(meta, 'quotas', 'price book') }),
      };
    });
  }

  async getLatestPriceBook(): Promise<PriceBook | undefined> {
    return this.#t.guard('getLatestPriceBook', 'latest', async () => {
      const out = await this.#t.query({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(K.priceBookIndexPk) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      });
      const latest = out.items[0];
      return latest === undefined ? undefined : this.getPriceBook(str(latest, 'bookId', 'price book index'));
    });
  }

  async markOfferUnavailable(entry: UnavailableOffer): Promise<void> {
    const until = Date.parse(entry.until);
    if (Number.isNaN(until))
      throw new TypeError(`markOfferUnavailable: until ${JSON.stringify(entry.until)} is not an ISO instant`);
    await this.#t.guard('markOfferUnavailable', entry.offerId, async () => {
      await this.#t.client.send(
        new PutItemCommand({
          TableName: this.#t.table,
          Item: {
            ...keyItem(K.unavailableOffer(entry.offerId)),
            kind: S('UNAVAILABLE_OFFER'),
            offerId: S(entry.offerId),
            until: S(entry.until),
            reason: S(entry.reason),
            // TTL removes the entry eventually; readers still filter on `until` (TTL is lazy).
            [A.expiresAt]: N(Math.ceil(until / 1000)),
          },
        }),
      );
    });
  }

  async listUnavailableOffers(at: string): Promise<readonly UnavailableOffer[]> {
    const now = Date.parse(at);
    return this.#t.guard('listUnavailableOffers', at, async () => {
      const items = await this.#t.queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(K.unavailablePk) },
        ConsistentRead: true,
      });
      return items
        .map((item) => ({
          offerId: str(item, 'offerId', 'unavailable offer'),
          until: str(item, 'until', 'unavailable offer'),
          reason: str(item, 'reason', 'unavailable offer'),
        }))
        .filter((entry) => Date.parse(entry.until) > now);
    });
  }
}
