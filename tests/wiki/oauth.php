<?php
/**
 * OAuth consumers for mwkit's test wiki (Extension:OAuth), made the way the
 * wiki's own forms make them. Run by tests/wiki/testwiki through MediaWiki's
 * maintenance/run.php (`testwiki oauth ...` for tests):
 *
 *   run.php oauth.php create --owner NAME --grants basic,sendemail
 *       [--kinds owner2,owner1,client,app] [--tag TEXT]
 *     Proposes, as NAME, what Special:OAuthConsumerRegistration/propose does:
 *     owner2, an owner-only OAuth 2 client (the owner's access token, a JWT);
 *     owner1, an owner-only OAuth 1.0a consumer (consumer and access keys and
 *     secrets); client, another owner-only OAuth 2 client, whose id and
 *     secret get the owner's tokens with the client_credentials grant; app, a
 *     confidential OAuth 2 client that is not owner-only, with only the
 *     client_credentials grant type (approved at once by $wgOAuthAutoApprove),
 *     whose tokens act as no user. Prints one JSON object: for each kind its
 *     consumer key and secrets.
 *
 *   run.php oauth.php disable --key KEY [--performer Admin]
 *     Disables the consumer, as an OAuth administrator does on
 *     Special:OAuthManageConsumers: its tokens then get
 *     mwoauth-invalid-authorization-not-approved.
 *
 *   run.php oauth.php revoke --key KEY --owner NAME
 *     The owner revokes its own grant, as on Special:OAuthManageMyGrants
 *     (renounce): the grant and its OAuth 2 access tokens are deleted, and
 *     the tokens get plain mwoauth-invalid-authorization.
 *
 * Secrets are printed only in the JSON the harness reads (into wiki.json).
 */

use MediaWiki\Context\RequestContext;
use MediaWiki\Extension\OAuth\Backend\Consumer;
use MediaWiki\Extension\OAuth\Backend\Utils;
use MediaWiki\Extension\OAuth\Control\ConsumerAcceptanceSubmitControl;
use MediaWiki\Extension\OAuth\Control\ConsumerSubmitControl;
use MediaWiki\Maintenance\Maintenance;
use MediaWiki\User\User;
use MediaWiki\WikiMap\WikiMap;

if ( !defined( 'RUN_MAINTENANCE_IF_MAIN' ) ) {
	fwrite( STDERR, "run this through MediaWiki's maintenance/run.php (tests/wiki/testwiki does)\n" );
	exit( 1 );
}

class MwkitOAuthConsumers extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'OAuth consumers for the mwkit test wiki' );
		$this->addArg( 'action', 'create, disable or revoke' );
		$this->addOption( 'owner', 'the owner (create, revoke)', false, true );
		$this->addOption( 'grants', 'comma-separated grants (create)', false, true );
		$this->addOption( 'kinds', 'owner2,owner1,client (create; default all three)', false, true );
		$this->addOption( 'tag', 'added to the consumers\' names (create)', false, true );
		$this->addOption( 'key', 'the consumer key (disable, revoke)', false, true );
		$this->addOption( 'performer', 'the OAuth administrator (disable; default Admin)', false, true );
		$this->requireExtension( 'OAuth' );
	}

	public function execute() {
		switch ( $this->getArg( 0 ) ) {
			case 'create':
				$this->create();
				return;
			case 'disable':
				$this->disable();
				return;
			case 'revoke':
				$this->revoke();
				return;
		}
		$this->fatalError( 'unknown action: ' . $this->getArg( 0 ) );
	}

	private function user( string $option ): User {
		$name = $this->getOption( $option );
		$user = $name === null ? null : User::newFromName( $name );
		if ( !$user || !$user->isRegistered() ) {
			$this->fatalError( "--$option: no such user: " . var_export( $name, true ) );
		}
		return $user;
	}

	private function context( User $user ): RequestContext {
		$context = RequestContext::getMain();
		$context->setUser( $user );
		return $context;
	}

	private function failed( string $what, StatusValue $status ): void {
		$this->fatalError( "$what failed: " . $status->getMessage( false, false, 'en' )->text() );
	}

	private function create(): void {
		$owner = $this->user( 'owner' );
		$grants = array_values( array_filter( explode( ',', $this->getOption( 'grants', '' ) ) ) );
		$kinds = explode( ',', $this->getOption( 'kinds', 'owner2,owner1,client,app' ) );
		$tag = $this->getOption( 'tag', bin2hex( random_bytes( 4 ) ) );
		$context = $this->context( $owner );
		$dbw = Utils::getCentralDB( DB_PRIMARY );
		$out = [];
		foreach ( $kinds as $kind ) {
			$ownerOnly = $kind !== 'app';
			$version = $kind === 'owner1' ? Consumer::OAUTH_VERSION_1 : Consumer::OAUTH_VERSION_2;
			$data = [
				'action' => 'propose',
				'name' => "mwkit test $kind $tag",
				'version' => '1.0',
				'description' => "mwkit's tests ($kind)",
				// Owner-only consumers get Special:OAuth/verified; a
				// confidential OAuth 2 client needs an https URL that is not
				// this wiki's, though client_credentials never uses it.
				'callbackUrl' => $ownerOnly ? '' : 'https://mwkit.invalid/oauth-callback',
				'callbackIsPrefix' => false,
				'oauthVersion' => $version,
				'ownerOnly' => $ownerOnly,
				'oauth2IsConfidential' => true,
				// The form forces client_credentials on owner-only clients.
				'oauth2GrantTypes' => [ 'client_credentials' ],
				'granttype' => 'normal',
				'grants' => json_encode( $grants ),
				'email' => $owner->getEmail(),
				'wiki' => '*',
				'rsaKey' => '',
				'agreement' => true,
				'restrictions' => MWRestrictions::newDefault(),
			];
			$status = ( new ConsumerSubmitControl( $context, $data, $dbw ) )->submit();
			if ( !$status->isOK() ) {
				$this->failed( "proposing the $kind consumer", $status );
			}
			/** @var Consumer $cmr */
			$cmr = $status->value['result']['consumer'];
			$token = $status->value['result']['accessToken'];
			if ( $cmr->getStage() !== Consumer::STAGE_APPROVED ) {
				$this->fatalError( "the $kind consumer was not approved at once: "
					. 'do $wgOAuthAutoApprove\'s grants hold all of ' . implode( ',', $grants ) . '?' );
			}
			// As the registration form shows them: the secrets through
			// Utils::hmacDBSecret.
			$entry = [
				'consumer_key' => $cmr->getConsumerKey(),
				'consumer_secret' => Utils::hmacDBSecret( $cmr->getSecretKey() ),
			];
			if ( $kind === 'owner2' ) {
				$entry['access_token'] = (string)$token;
			} elseif ( $kind === 'owner1' ) {
				$entry += [
					'access_token' => $token->key,
					'access_secret' => Utils::hmacDBSecret( $token->secret ),
				];
			}
			$out[$kind] = $entry;
		}
		$this->output( json_encode( $out ) . "\n" );
	}

	private function consumer(): Consumer {
		$key = (string)$this->getOption( 'key', '' );
		$cmr = Consumer::newFromKey( Utils::getCentralDB( DB_PRIMARY ), $key );
		if ( !$cmr ) {
			$this->fatalError( "--key: no consumer $key" );
		}
		return $cmr;
	}

	private function disable(): void {
		$cmr = $this->consumer();
		$context = $this->context( User::newFromName( $this->getOption( 'performer', 'Admin' ) ) );
		$status = ( new ConsumerSubmitControl( $context, [
			'action' => 'disable',
			'consumerKey' => $cmr->getConsumerKey(),
			'reason' => 'mwkit test: revoked',
			'suppress' => 0,
			'changeToken' => $cmr->getChangeToken( $context ),
		], Utils::getCentralDB( DB_PRIMARY ) ) )->submit();
		if ( !$status->isOK() ) {
			$this->failed( 'disabling ' . $cmr->getConsumerKey(), $status );
		}
		$this->output( json_encode( [ 'disabled' => $cmr->getConsumerKey() ] ) . "\n" );
	}

	private function revoke(): void {
		$cmr = $this->consumer();
		$owner = $this->user( 'owner' );
		$dbw = Utils::getCentralDB( DB_PRIMARY );
		$cmra = $cmr->getCurrentAuthorization( $owner, WikiMap::getCurrentWikiId() );
		if ( !$cmra ) {
			$this->fatalError( $owner->getName() . ' has no grant of ' . $cmr->getConsumerKey() );
		}
		$status = ( new ConsumerAcceptanceSubmitControl( $this->context( $owner ), [
			'action' => 'renounce',
			'acceptanceId' => (string)$cmra->getId(),
		], $dbw, $cmr->getOAuthVersion() ) )->submit();
		if ( !$status->isOK() ) {
			$this->failed( 'revoking ' . $cmr->getConsumerKey(), $status );
		}
		$this->output( json_encode( [ 'revoked' => $cmr->getConsumerKey() ] ) . "\n" );
	}
}

$maintClass = MwkitOAuthConsumers::class;
require_once RUN_MAINTENANCE_IF_MAIN;
