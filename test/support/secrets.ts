/**
 * The only credentials the tests use. They are distinctive so a scan of every log line and
 * report the suite produces can prove none of them ever leaks.
 */
export const TEST_AK = 'AKTESTLEAKCANARY0001';
export const TEST_SK = 'SKtestLeakCanary0002xYz9';
export const TEST_SECURITY_TOKEN = 'STStestLeakCanary0003token';
export const TEST_AUTH_TOKEN = 'IAMtestLeakCanary0004token';
/** The secret the simulator signs its download links with; appears in every link's query. */
export const TEST_LINK_SECRET = 'LINKtestLeakCanary0005';
export const TEST_PROJECT_ID = '0524e839a54847039e9b2b46e8aa788a';

export const ALL_TEST_SECRETS = [TEST_AK, TEST_SK, TEST_SECURITY_TOKEN, TEST_AUTH_TOKEN, TEST_LINK_SECRET];
