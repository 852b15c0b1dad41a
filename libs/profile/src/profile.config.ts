import type { ConfigType } from '@nestjs/config';
import { defineConfig, env } from '@user-engine/kernel';

export const profileConfig = defineConfig('profile', {
  pictureFormats: env.subset('PROFILE_PICTURE_FORMATS', {
    values: ['jpg', 'png', 'gif', 'webp', 'avif'],
    default: ['jpg', 'png'],
    description: 'Image formats a picture_url may point to, by its file extension (jpg also admits .jpeg).',
  }),
});

export type ProfileConfig = ConfigType<typeof profileConfig>;
