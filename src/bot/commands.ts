/**
 * The bot's commands: /start (also the deep link an inline answer points to), /help,
 * /stats, /cancel (also the waiting entries of a playlist batch), /autodownload (group admins), and the operators' /status and /broadcast.
 */
import { Composer, GrammyError } from 'grammy';
import type { BotCommand } from 'grammy/types';
import { canManageGroup, isAdmin } from './access.js';
import { batchOf, settleBatchEntry } from './batch.js';
import { statusMessageOf } from './status-message.js';
import { translator, type BotContext, type Translate } from './i18n.js';
import { formatBytes, formatDuration } from './progress.js';
import type { Intake } from './intake.js';
import type { BotServices } from './services.js';
import type { JobCounts } from '../core/job-queue.js';

/** Prefix of a /start payload that names a stored link ("send it to me in private"). */
export const DEEP_LINK_PREFIX = 'dl_';

/** Pause between two broadcast messages: about 25 a second, under Telegram's 30. */
const BROADCAST_GAP_MS = 40;

/** The command menu, per language, for setMyCommands. */
export function commandMenu(t: Translate): BotCommand[] {
  return ['start', 'help', 'settings', 'stats', 'cancel'].map((command) => ({ command, description: t(`command-${command}`) }));
}

/** What /status shows, from the status source when there is one, else from the queue and this process. */
interface StatusView {
  state: string;
  uptime: string;
  memory: string;
  queue: JobCounts;
  downloads?: { total: number; successRate: number };
  platforms: Record<string, { success: number; failed: number }>;
}

async function statusView(s: BotServices): Promise<StatusView> {
  if (s.status) {
    const d = await s.status.dashboard();
    return {
      state: d.system.state,
      uptime: d.system.uptime,
      memory: d.system.memory_usage,
      queue: d.queue,
      downloads: { total: d.downloads.total, successRate: d.downloads.success_rate },
      platforms: d.platforms,
    };
  }
  const rss = process.memoryUsage().rss;
  const limit = s.config.maxMemoryMb * 1024 * 1024;
  return {
    state: 'running',
    uptime: formatDuration((Date.now() - s.startedAt) / 1000),
    memory: `${formatBytes(rss)} (${Math.round((100 * rss) / limit)}%)`,
    queue: await s.queue.counts(),
    platforms: s.store.platformStats(),
  };
}

/** The /status text. */
export function statusText(view: StatusView, t: Translate): string {
  const lines = [
    t('status-system', { state: view.state, uptime: view.uptime, memory: view.memory }),
    t('status-queue', { ...view.queue }),
  ];
  if (view.downloads) lines.push(t('status-downloads', { total: view.downloads.total, rate: view.downloads.successRate }));
  const platforms = Object.entries(view.platforms);
  if (platforms.length > 0) {
    lines.push(t('status-platforms'));
    for (const [name, { success, failed }] of platforms) {
      const rate = success + failed > 0 ? Math.round((1000 * success) / (success + failed)) / 10 : 0;
      lines.push(`  ${name}: ✓ ${success} · ✗ ${failed} · ${rate}%`);
    }
  }
  return lines.join('\n');
}

/** The command handlers. */
export function commandsComposer(s: BotServices, intake: Intake): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('start', async (ctx) => {
    const payload = ctx.match.trim();
    if (payload.startsWith(DEEP_LINK_PREFIX) && ctx.from && ctx.chat.type === 'private') {
      const stored = s.store.choice(payload.slice(DEEP_LINK_PREFIX.length));
      if (!stored || stored.userId !== ctx.from.id) return void (await ctx.reply(ctx.t('choice-expired')));
      const budget = await intake.allow(ctx.from.id);
      if (!budget.allowed) return void (await ctx.reply(ctx.t('rate-limited', { seconds: budget.retryAfterSec })));
      await intake.accept({ url: stored.url, userId: ctx.from.id, chatId: ctx.chat.id, locale: await ctx.i18n.getLocale() });
      return;
    }
    await ctx.reply(ctx.t('start', { name: ctx.from?.first_name ?? '' }));
  });

  composer.command('help', async (ctx) => {
    const platforms = s.engine.platforms.platforms
      .map((p) => p.name)
      .filter((name) => name !== 'generic' && s.engine.platforms.isEnabled(name));
    let text = ctx.t('help', { platforms: platforms.join(', '), maxLinks: s.config.maxLinksPerMessage, bot: ctx.me.username });
    if (isAdmin(s.config, ctx.from?.id)) text += `\n\n${ctx.t('help-admin')}`;
    await ctx.reply(text);
  });

  composer.command('stats', async (ctx) => {
    if (!ctx.from) return;
    const stats = s.store.userStats(ctx.from.id);
    await ctx.reply(ctx.t('stats', { downloads: stats.downloads, bytes: formatBytes(stats.bytes), cacheHits: stats.cacheHits, failures: stats.failures }));
  });

  composer.command('cancel', async (ctx) => {
    if (!ctx.from) return;
    let cancelled = 0;
    for (const record of s.store.recentJobs(ctx.from.id)) {
      const job = await s.queue.get(record.jobId);
      if (!job || (job.state !== 'queued' && job.state !== 'running')) continue;
      if (!(await s.queue.cancel(job.id))) continue;
      cancelled++;
      // a running job is aborted and says "cancelled" itself once its files are gone; in
      // another process its next heartbeat finds the job cancelled
      if (job.state === 'running') {
        s.worker?.abort(job.id);
        continue;
      }
      // a playlist entry that never ran counts as cancelled in its batch's summary
      const batch = batchOf(job.data);
      if (batch) await settleBatchEntry(s, batch, 'cancelled');
      // the job names its status message (rows of older versions recorded it in the store)
      const shown = statusMessageOf(job, s.store);
      if (shown.messageId !== undefined) {
        await s.api.editMessageText(record.chatId, shown.messageId, ctx.t('status-cancelled')).catch(() => undefined);
      }
    }
    await ctx.reply(cancelled > 0 ? ctx.t('cancel-done', { count: cancelled }) : ctx.t('cancel-none'));
  });

  composer.command('autodownload', async (ctx) => {
    if (!ctx.from) return;
    if (ctx.chat.type !== 'group' && ctx.chat.type !== 'supergroup') return void (await ctx.reply(ctx.t('autodownload-groups-only')));
    if (!(await canManageGroup(s.api, s.config, ctx.chat.id, ctx.from.id))) return void (await ctx.reply(ctx.t('autodownload-admins-only')));
    const arg = ctx.match.trim().toLowerCase();
    const on = arg === 'on' ? true : arg === 'off' ? false : !s.store.autodownload(ctx.chat.id);
    s.store.setAutodownload(ctx.chat.id, on, ctx.from.id);
    await ctx.reply(ctx.t(on ? 'autodownload-on' : 'autodownload-off'));
  });

  composer.command('status', async (ctx) => {
    if (!isAdmin(s.config, ctx.from?.id)) return void (await ctx.reply(ctx.t('admin-only')));
    await ctx.reply(statusText(await statusView(s), ctx.t));
  });

  composer.command('broadcast', async (ctx) => {
    if (!isAdmin(s.config, ctx.from?.id)) return void (await ctx.reply(ctx.t('admin-only')));
    const text = ctx.match.trim();
    if (!text) return void (await ctx.reply(ctx.t('broadcast-usage')));
    const users = s.store.reachableUsers();
    await ctx.reply(ctx.t('broadcast-started', { count: users.length }));
    const t = translator(s.i18n, await ctx.i18n.getLocale());
    // in the background: a long broadcast must not hold up this chat's other updates
    void broadcast(s, users, text).then(
      ({ sent, failed }) => s.api.sendMessage(ctx.chat.id, t('broadcast-done', { sent, failed })),
      (error: unknown) => s.logger.error({ err: error }, 'broadcast failed'),
    ).catch((error: unknown) => s.logger.warn({ err: error }, 'could not report a broadcast'));
  });

  return composer;
}

/** Sends `text` to every user, slowly enough for Telegram; users who blocked the bot are marked. */
async function broadcast(s: BotServices, users: number[], text: string): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (const userId of users) {
    try {
      await s.api.sendMessage(userId, text);
      sent++;
    } catch (error) {
      failed++;
      if (error instanceof GrammyError && error.error_code === 403) s.store.markBlocked(userId);
    }
    await new Promise((resolve) => setTimeout(resolve, BROADCAST_GAP_MS));
  }
  return { sent, failed };
}
