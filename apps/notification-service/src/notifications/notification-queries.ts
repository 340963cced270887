import { Injectable } from '@nestjs/common';
import type { NotificationItem } from '@seckill/contracts';
import { NotificationDatabase } from '../database';
import { toItem } from './notification';

@Injectable()
export class NotificationQueries {
  constructor(private readonly db: NotificationDatabase) {}

  /** The user's newest notifications first (index notifications(user_id, id)). */
  async latest(userId: string, limit: number): Promise<NotificationItem[]> {
    const rows = await this.db.notification.findMany({
      where: { userId },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(toItem);
  }

  /** The user's notifications after `afterId`, oldest first: a reconnecting stream's catch-up. */
  async after(userId: string, afterId: bigint, limit: number): Promise<NotificationItem[]> {
    const rows = await this.db.notification.findMany({
      where: { userId, id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toItem);
  }
}
