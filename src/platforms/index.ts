/**
 * The platform registry: one line per platform. Order matters only in that `generic` is last
 * (it matches any http(s) URL).
 */
import type { Platform } from './base.js';
import { youtube } from './youtube.js';
import { instagram } from './instagram.js';
import { tiktok } from './tiktok.js';
import { twitter } from './twitter.js';
import { facebook } from './facebook.js';
import { reddit } from './reddit.js';
import { vimeo } from './vimeo.js';
import { dailymotion } from './dailymotion.js';
import { twitch } from './twitch.js';
import { soundcloud } from './soundcloud.js';
import { pinterest } from './pinterest.js';
import { streamable } from './streamable.js';
import { bilibili } from './bilibili.js';
import { tumblr } from './tumblr.js';
import { vk } from './vk.js';
import { okru } from './okru.js';
import { rutube } from './rutube.js';
import { bluesky } from './bluesky.js';
import { loom } from './loom.js';
import { threads } from './threads.js';
import { snapchat } from './snapchat.js';
import { kick } from './kick.js';
import { linkedin } from './linkedin.js';
import { newgrounds } from './newgrounds.js';
import { generic } from './generic.js';

/** Every platform dlbot knows, generic last. */
export const PLATFORMS: readonly Platform[] = [
  youtube, instagram, tiktok, twitter, facebook, reddit, vimeo, dailymotion, twitch, soundcloud,
  pinterest, streamable, bilibili, tumblr, vk, okru, rutube, bluesky, loom, threads, snapchat,
  kick, linkedin, newgrounds, generic,
];
