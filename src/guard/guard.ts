import { MessageFlags, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';
import type { Config } from '../config/config.js';
import { displayNameOf } from '../discord/members.js';
import { NO_MENTIONS } from '../discord/reply-target.js';
import type { CommandContext } from '../interactions/command.js';
import type { Logger } from '../ops/log.js';
import type { UsageCounterStore } from '../store/index.js';
import { replyLanguage } from '../i18n/locale.js';
import { render, type Text } from '../i18n/text.js';
import { BLOCKED_INPUT, quotaRefusalText } from './guard-text.js';
import { createQuotas, type QuotaKind, type Quotas } from './quotas.js';
import { createScreen, type Screen } from './screen.js';

/** Guards the owner's Convai key: what may be sent (screening) and how much (daily quotas). */
export interface Guard {
	screen: Screen;
	quotas: Quotas;
}

export function createGuard(config: Config, usage: UsageCounterStore, log: Logger): Guard {
	return {
		screen: createScreen({ builtIn: config.screenInput, blockedTerms: config.blockedTerms }),
		quotas: createQuotas(config, usage, log),
	};
}

export interface GuardRequest {
	/** Everything from this request that would reach Convai: a name, a description, a message, a setting. */
	inputs: readonly string[];
	/** The daily quota this request counts toward; none for a world setting. */
	quota?: QuotaKind;
}

/**
 * Call before the defer, right before a request would go to Convai, and after fair use admitted it
 * (`context.fairUse.admit`, which starts the cooldown): so a blocked input counts toward the
 * cooldown, and a cooldown refusal costs no quota. Release the admission when this returns false.
 * Screens the inputs, then takes one unit of the daily quota. Returns false when refused, having
 * already answered privately. A blocked input is counted for /usage; its text is never logged.
 */
export async function passesGuard(interaction: RepliableInteraction, context: CommandContext, request: GuardRequest): Promise<boolean> {
	const { guard, log } = context;
	const userId = interaction.user.id;
	const guildId = interaction.guildId;
	const managesServer = interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;

	const verdict = guard.screen.check(request.inputs);
	if (verdict.blocked) {
		log.info('input blocked', { interactionId: interaction.id, userId, guildId, command: commandOf(interaction), by: verdict.by });
		guard.quotas.recordBlocked(guildId);
		await refuse(interaction, BLOCKED_INPUT);
		return false;
	}

	if (request.quota === undefined) return true;
	const decision = await guard.quotas.take(request.quota, { userId, userName: displayNameOf(interaction), guildId }, { perUser: managesServer });
	if (decision.allowed) return true;
	log.info('daily quota reached', { interactionId: interaction.id, userId, guildId, quota: decision.refusal.quota });
	await refuse(interaction, quotaRefusalText(decision.refusal));
	return false;
}

/** In the language of the person refused. */
function refuse(interaction: RepliableInteraction, message: Text): Promise<unknown> {
	return interaction.reply({ content: render(replyLanguage(interaction), message), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

/** `/setting set`, or the button's command and action (`backstory:regen`); never the inputs. */
function commandOf(interaction: RepliableInteraction): string {
	if (interaction.isChatInputCommand()) {
		const subcommand = interaction.options.getSubcommand(false);
		return `/${interaction.commandName}${subcommand ? ` ${subcommand}` : ''}`;
	}
	if (interaction.isMessageComponent()) return interaction.customId.split(':').slice(0, 2).join(':');
	return 'unknown';
}
