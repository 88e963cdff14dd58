import {
	escapeMarkdown,
	MessageFlags,
	PermissionFlagsBits,
	time,
	TimestampStyles,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandContext } from '../interactions/command.js';
import { displayNameOf } from '../discord/members.js';
import { createReplyTarget, NO_MENTIONS } from '../discord/reply-target.js';
import { AlreadyReportedError, describeUpstreamError } from '../interactions/errors.js';
import type { GenerationOutcome } from '../ops/metrics.js';
import { UpstreamError } from '../upstream/errors.js';
import { createNaiveRenderer } from '../render/naive-renderer.js';
import { createStreamRenderer, type FinishOptions } from '../render/stream-renderer.js';
import { DeliveryLostError, type MessageView } from '../render/types.js';
import { passesGuard } from '../guard/guard.js';
import { regenerateButtonRow, stopButtonRow } from './buttons.js';
import { RunCancelledError, type Run } from './runs.js';
import { RosterFullError } from '../store/index.js';
import { replyLanguage } from '../i18n/locale.js';
import { serverLanguage } from '../i18n/server-language.js';
import { render, t, text, type Language, type Text } from '../i18n/text.js';

export interface GenerationRequest {
	characterName: string;
	description: string;
	/** Only the author sees the reply and every follow-up. */
	private: boolean;
}

type GeneratingInteraction = ChatInputCommandInteraction | ButtonInteraction;

/**
 * Runs one generation for an interaction (the slash command or a Regenerate button): fair-use
 * check, deferred reply, the stream into messages with Stop/Regenerate buttons, and the roster.
 */
export async function runGeneration(
	interaction: GeneratingInteraction,
	request: GenerationRequest,
	context: CommandContext,
): Promise<void> {
	// Registered before the first await, so shutdown either cancels and awaits it or refuses it
	// (RunsClosedError: the boundary answers "restarting" before a slot is taken or the reply deferred).
	const run = context.runs.start(interaction.id);
	try {
		await admitAndStream(interaction, request, context, run);
	} finally {
		run.end();
	}
}

async function admitAndStream(interaction: GeneratingInteraction, request: GenerationRequest, context: CommandContext, run: Run): Promise<void> {
	const receivedAt = Date.now();
	const admission = await context.fairUse.admit({
		userId: interaction.user.id,
		guildId: interaction.guildId,
		exemptFromCooldown: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
	});
	if (!admission.admitted) {
		const { reason, retryAt } = admission.refusal;
		context.log.info('generation refused', { interactionId: interaction.id, userId: interaction.user.id, reason: reason.key });
		context.metrics.generation('refused');
		const language = replyLanguage(interaction);
		await interaction.reply({
			content: t(language, 'fairUse.retry', {
				reason: render(language, reason),
				when: time(Math.ceil(retryAt / 1_000), TimestampStyles.RelativeTime),
			}),
			flags: MessageFlags.Ephemeral,
			allowedMentions: NO_MENTIONS,
		});
		return;
	}
	let summary: GenerationSummary | undefined;
	let refusedByGuard = false;
	context.metrics.inFlight.inc();
	// Read while the guard and the acknowledgement are on their way: the Convai request needs the world
	// setting, and waiting for the store only after the deferred reply's round trip delayed it ~130 ms
	// at 50 commands at once. Neither lookup throws (both fall back).
	const lookups = settingAndLanguage(interaction, request, context);
	try {
		// Screening and the daily quota: they answer privately themselves when they refuse.
		refusedByGuard = !(await passesGuard(interaction, context, { inputs: [request.characterName, request.description], quota: 'generation' }));
		if (refusedByGuard) return;
		await interaction.deferReply(request.private ? { flags: MessageFlags.Ephemeral } : {});
		summary = await streamIntoReply(interaction, request, context, run, receivedAt, lookups);
	} finally {
		admission.release();
		context.metrics.inFlight.dec();
		context.metrics.generation(refusedByGuard ? 'refused' : (summary?.outcome ?? 'failed'));
	}
	// Logged once the slot is free, so whoever reads this line can start the next one at once.
	context.log.info('backstory finished', summary.log);
	if (summary.unexpected !== undefined) throw new AlreadyReportedError('backstory stream failed', { cause: summary.unexpected });
}

interface GenerationSummary {
	outcome: GenerationOutcome;
	log: Record<string, unknown>;
	/** A bug met while streaming, already explained to the user by the final notice. */
	unexpected?: unknown;
}

async function streamIntoReply(
	interaction: GeneratingInteraction,
	request: GenerationRequest,
	context: CommandContext,
	run: Run,
	receivedAt: number,
	lookups: Promise<[setting: string | undefined, publicLanguage: Language]>,
): Promise<GenerationSummary> {
	const runId = interaction.id;
	const startedAt = Date.now();
	// The UI around the story speaks the asker's language; a notice that ends a public story for
	// everyone (stopped by …, restarting) speaks the server's. The story itself is never translated.
	const language = replyLanguage(interaction);
	// Journaled before any await, so a crash from here on is repaired; the notice's language follows.
	const journaled = context.journal.start({
		runId,
		applicationId: interaction.applicationId,
		token: interaction.token,
		authorId: interaction.user.id,
		private: request.private,
		authorLanguage: language,
	});
	const logFields = { interactionId: runId, guildId: interaction.guildId, userId: interaction.user.id };
	const [setting, publicLanguage] = await lookups;
	// Written after the setting is read, not before: under a burst of commands the SQLite driver's few
	// worker threads would otherwise hold every other run's prompt write ahead of this run's setting read,
	// and Convai would be asked only once the whole burst had been written.
	context.stores.prompts
		.set(runId, { characterName: request.characterName, description: request.description })
		.catch((error: unknown) => context.log.warn('could not keep the prompt for Regenerate', { ...logFields, error }));
	// The repair after a crash writes "interrupted: the bot restarted" in it.
	journaled.setPublicLanguage(publicLanguage);

	const target = createReplyTarget(interaction, {
		ephemeral: request.private,
		componentsFor: buttonsFor(runId, interaction.user.id, request.private, language),
		onCreated: (messageId) => journaled.addMessage(messageId),
		recorder: context.metrics,
	});
	const createRenderer = context.config.renderer === 'naive' ? createNaiveRenderer : createStreamRenderer;
	const renderer = createRenderer(target, {
		intervalMs: context.config.editIntervalMs,
		paceFactor: context.paceFactor,
		header: `📜 **${escapeMarkdown(request.characterName)}**\n${setting ? `-# 🌍 ${t(language, 'generation.worldSetting')}\n` : ''}`,
		writingLine: t(language, 'generation.writing'),
	});
	const signal = AbortSignal.any([run.signal, renderer.lost]);
	const inputText = setting ? `${request.description}\n\nWorld setting: ${setting}` : request.description;

	let outcome: FinishOptions;
	let unexpected: unknown;
	let upstreamEndedAt: number | undefined;
	try {
		let first = true;
		for await (const piece of context.backstories.streamBackstory({ characterName: request.characterName, description: inputText }, { signal })) {
			if (first) context.metrics.upstreamFirstEvent.observe((Date.now() - receivedAt) / 1_000);
			first = false;
			renderer.append(piece);
		}
		upstreamEndedAt = Date.now();
		outcome = renderer.text.trim() === ''
			? { complete: false, notice: t(language, 'generation.empty') }
			: { complete: true };
	} catch (error) {
		outcome = { complete: false, notice: noticeFor(error, signal, language, publicLanguage) };
		if (!(error instanceof UpstreamError || signal.aborted)) unexpected = error;
	}

	try {
		await renderer.finish(outcome);
		if (upstreamEndedAt !== undefined && !renderer.lost.aborted) context.metrics.finalTextLag.observe((Date.now() - upstreamEndedAt) / 1_000);
	} finally {
		run.end();
		journaled.end();
	}
	const result = outcomeOf(outcome, renderer.lost.aborted, signal);
	if (outcome.complete && !renderer.lost.aborted) {
		await saveToRoster(interaction, request, renderer.text, target.messageIds[0], context, language);
	}
	return {
		outcome: result,
		unexpected,
		log: {
			...logFields,
			outcome: outcome.complete ? 'complete' : renderer.lost.aborted ? 'lost' : (outcome.notice ?? 'ended'),
			chars: renderer.text.length,
			messages: target.messageIds.length,
			durationMs: Date.now() - startedAt,
			...(renderer.lost.aborted ? { deliveryError: renderer.lost.reason } : {}),
		},
	};
}

function outcomeOf(finish: FinishOptions, lost: boolean, signal: AbortSignal): GenerationOutcome {
	if (lost) return 'lost';
	if (finish.complete) return 'complete';
	const reason: unknown = signal.aborted ? signal.reason : undefined;
	if (reason instanceof RunCancelledError) return reason.kind;
	return 'failed';
}

/** The buttons under each state of a message; labels are translated once per run, not on every write. */
function buttonsFor(runId: string, authorId: string, isPrivate: boolean, language: Language) {
	const button = { runId, authorId, private: isPrivate };
	const stop = t(language, 'generation.stop');
	const regenerate = t(language, 'generation.regenerate');
	return (view: MessageView) => {
		if (view.state === 'writing') return stopButtonRow(button, stop);
		if (view.state === 'complete') return regenerateButtonRow(button, regenerate);
		return [];
	};
}

/** The server's world setting, and the language of notices everyone reads (the author's for a private story). */
function settingAndLanguage(
	interaction: GeneratingInteraction,
	request: GenerationRequest,
	context: CommandContext,
): Promise<[setting: string | undefined, publicLanguage: Language]> {
	return Promise.all([
		worldSettingFor(interaction.guildId, context),
		request.private ? Promise.resolve(replyLanguage(interaction)) : serverLanguage(interaction, context.stores.settings),
	]);
}

async function worldSettingFor(guildId: string | null, context: CommandContext): Promise<string | undefined> {
	if (!guildId) return undefined;
	try {
		return (await context.stores.settings.get(guildId))?.text;
	} catch (error) {
		context.log.warn('could not read the world setting; writing without it', { guildId, error });
		return undefined;
	}
}

async function saveToRoster(
	interaction: GeneratingInteraction,
	request: GenerationRequest,
	text: string,
	firstMessageId: string | undefined,
	context: CommandContext,
	language: Language,
): Promise<void> {
	const { guildId, channelId } = interaction;
	try {
		await context.stores.characters.save({
			guildId,
			name: request.characterName,
			description: request.description,
			text,
			authorId: interaction.user.id,
			authorName: displayNameOf(interaction),
			messageUrl: guildId && firstMessageId && !request.private ? `https://discord.com/channels/${guildId}/${channelId}/${firstMessageId}` : null,
			private: request.private,
		});
	} catch (error) {
		context.log.warn('could not save a character', { interactionId: interaction.id, guildId, error });
		await interaction
			.followUp({ content: render(language, rosterFailureText(error, request.private)), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS })
			.catch((followUpError: unknown) => context.log.warn('could not report a failed save', { error: followUpError }));
	}
}

function rosterFailureText(error: unknown, isPrivate: boolean): Text {
	if (error instanceof RosterFullError) {
		return text(isPrivate ? 'generation.notSavedPrivateFull' : 'generation.notSavedServerFull', { count: error.cap });
	}
	return text('generation.notSavedStoreDown');
}

/** A cancellation concerns everyone reading the story (`publicLanguage`); a failure answers the asker. */
function noticeFor(error: unknown, signal: AbortSignal, language: Language, publicLanguage: Language): string | undefined {
	if (signal.aborted) {
		const reason: unknown = signal.reason;
		if (reason instanceof RunCancelledError) return render(publicLanguage, reason.notice);
		if (reason instanceof DeliveryLostError) return undefined;
	}
	if (error instanceof UpstreamError) return render(language, describeUpstreamError(error));
	return t(language, 'generation.failed');
}
