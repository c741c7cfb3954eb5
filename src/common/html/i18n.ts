export type Locale = 'ru' | 'en';

/** Russian unless the browser ranks English above Russian in Accept-Language. */
export function localeFrom(acceptLanguage: string | undefined): Locale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { language: tag.split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ language, q }) => (language === 'ru' || language === 'en') && q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.language === 'en' ? 'en' : 'ru';
}

const ru = {
  title: 'Донаты DonationAlerts на стриме',
  tagline: 'Каждый донат — на экране стрима, ровно один раз. Плюс чат-бот на канале.',
  login: 'Войти через Twitch',
  loginNotConfigured:
    'Вход через Twitch ещё не настроен: администратору нужно задать TWITCH_CLIENT_ID и TWITCH_CLIENT_SECRET.',
  toDashboard: 'Открыть панель',
  dashboard: 'Панель стримера',
  logout: 'Выйти',
  twitchAccount: 'Twitch',
  twitchNeedsReauth: 'Twitch больше не принимает наш токен. Войдите заново, чтобы переподключить канал.',
  reconnect: 'Переподключить',
  donationAlerts: 'DonationAlerts',
  daConnected: 'Подключён аккаунт',
  daNotConnected: 'DonationAlerts не подключён.',
  realtimeConnected: 'Оповещения приходят мгновенно.',
  realtimeConnecting: 'Подключаемся к мгновенным оповещениям; пока донаты находит опрос (до минуты).',
  realtimeOff: 'Мгновенные оповещения выключены: донаты находит опрос (до минуты).',
  daNeedsReauth: 'DonationAlerts отклонил доступ. Подключите аккаунт заново.',
  daNotConfigured: 'Подключение DonationAlerts не настроено: нужны DA_CLIENT_ID и DA_CLIENT_SECRET.',
  connect: 'Подключить DonationAlerts',
  disconnect: 'Отключить',
  daJustConnected: 'DonationAlerts подключён.',
  daCancelled: 'Подключение DonationAlerts отменено.',
  daTaken: 'Этот аккаунт DonationAlerts уже подключён к другому каналу Twitch.',
  daFailed: 'DonationAlerts не ответил. Попробуйте ещё раз чуть позже.',
  overlay: 'Оверлей для OBS',
  overlayHelp: 'Добавьте в OBS источник «Браузер» с этим адресом. Никому его не показывайте.',
  copy: 'Копировать',
  copied: 'Скопировано',
  sendTestAlert: 'Показать тестовое оповещение',
  testAlertSent: 'Тестовое оповещение отправлено на оверлей.',
  rotateToken: 'Сменить ссылку',
  rotateConfirm: 'Старая ссылка сразу перестанет работать, и её придётся заменить в OBS. Сменить?',
  tokenRotated: 'Ссылка сменена. Вставьте новую в источник OBS: старая больше не работает.',
  actionFailed: 'Не получилось. Обновите страницу и попробуйте ещё раз.',
  anonymousDonor: 'Аноним',
  testAlertBadge: 'Тест',
  bot: 'Чат-бот',
  botSoon: 'Бот появится здесь в следующей версии.',
  loginExpiredTitle: 'Вход устарел',
  loginExpired: 'Ссылка для входа устарела или уже использована. Начните вход заново.',
  tryAgain: 'Попробовать снова',
  loginCancelledTitle: 'Вход отменён',
  loginCancelled: 'Вы отказались давать доступ в Twitch. Без него вход невозможен.',
  providerDownTitle: 'Twitch недоступен',
  providerDown: 'Не удалось связаться с Twitch. Попробуйте ещё раз через минуту.',
  home: 'На главную',
};

export type Messages = typeof ru;

const en: Messages = {
  title: 'DonationAlerts donations on stream',
  tagline: 'Every donation on your stream, exactly once. Plus a chat bot in your channel.',
  login: 'Log in with Twitch',
  loginNotConfigured:
    'Twitch login is not configured yet: the operator must set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET.',
  toDashboard: 'Open the dashboard',
  dashboard: 'Streamer dashboard',
  logout: 'Log out',
  twitchAccount: 'Twitch',
  twitchNeedsReauth: 'Twitch no longer accepts our token. Log in again to reconnect your channel.',
  reconnect: 'Reconnect',
  donationAlerts: 'DonationAlerts',
  daConnected: 'Connected account',
  daNotConnected: 'DonationAlerts is not connected.',
  realtimeConnected: 'Alerts arrive instantly.',
  realtimeConnecting: 'Connecting to instant alerts; meanwhile polling finds donations (within a minute).',
  realtimeOff: 'Instant alerts are off: polling finds donations (within a minute).',
  daNeedsReauth: 'DonationAlerts refused access. Connect the account again.',
  daNotConfigured:
    'Connecting DonationAlerts is not configured: DA_CLIENT_ID and DA_CLIENT_SECRET are needed.',
  connect: 'Connect DonationAlerts',
  disconnect: 'Disconnect',
  daJustConnected: 'DonationAlerts is connected.',
  daCancelled: 'Connecting DonationAlerts was cancelled.',
  daTaken: 'This DonationAlerts account is already connected to another Twitch channel.',
  daFailed: 'DonationAlerts did not answer. Please try again a little later.',
  overlay: 'OBS overlay',
  overlayHelp: 'Add a Browser source with this address in OBS. Keep it secret.',
  copy: 'Copy',
  copied: 'Copied',
  sendTestAlert: 'Show a test alert',
  testAlertSent: 'A test alert is on its way to the overlay.',
  rotateToken: 'Change the address',
  rotateConfirm: 'The old address stops working at once and has to be replaced in OBS. Change it?',
  tokenRotated: 'Address changed. Paste the new one into the OBS source: the old one no longer works.',
  actionFailed: 'That did not work. Reload the page and try again.',
  anonymousDonor: 'Anonymous',
  testAlertBadge: 'Test',
  bot: 'Chat bot',
  botSoon: 'The bot will show up here in the next version.',
  loginExpiredTitle: 'Login expired',
  loginExpired: 'The login link has expired or was already used. Please start again.',
  tryAgain: 'Try again',
  loginCancelledTitle: 'Login cancelled',
  loginCancelled: 'You declined access on Twitch. Logging in needs it.',
  providerDownTitle: 'Twitch is unavailable',
  providerDown: 'Could not reach Twitch. Please try again in a minute.',
  home: 'Home',
};

export const MESSAGES: Record<Locale, Messages> = { ru, en };
