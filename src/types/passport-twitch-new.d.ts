declare module 'passport-twitch-new' {
  import OAuth2Strategy from 'passport-oauth2';

  /** passport-twitch-new ships no types: a passport-oauth2 strategy named "twitch". */
  export class Strategy extends OAuth2Strategy {
    constructor(options: OAuth2Strategy.StrategyOptions, verify: OAuth2Strategy.VerifyFunction);
  }
}
