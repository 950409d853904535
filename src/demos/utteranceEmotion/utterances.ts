import { firstCodePoints } from '../../engine';

/**
 * The utterances the utterance_emotion demo classifies, in sample order: five clear cases of each of seven
 * emotions, then ten mixed or ambiguous ones. Every utterance is longer than 30 characters, so every key is cut.
 */
export const utterances: readonly string[] = [
  // anger
  'After everything I did for you, you went behind my back and lied to me!',
  'Every single time we make plans, you find a way to wreck them for everyone.',
  'Stop cutting me off \u2014 I haven\u2019t even finished a single sentence yet!',
  'Just admit it was your fault instead of blaming everybody else for once!',
  'If you ever talk to me like that again, I\u2019m walking out of here for good.',
  // disgust
  'Ugh, watching him chew with his mouth wide open makes my stomach turn.',
  'You seriously want me to drink that? That\u2019s absolutely revolting.',
  'The way they treat their workers is sickening, and I want no part of it.',
  'This cheese smells like old gym socks \u2014 I can\u2019t even stand near it.',
  'I don\u2019t want anyone thinking I\u2019m friends with people who act that grossly.',
  // sadness
  'I keep telling myself it\u2019s fine, but it still hurts every single day.',
  'No matter how hard I try, I always end up disappointing the people I love.',
  'I really miss the way our house felt when everyone still lived there.',
  'If I could go back and change what I said that night, I would in a heartbeat.',
  'I\u2019m trying to stay hopeful, but honestly everything keeps falling apart.',
  // joy
  'We actually won the championship \u2014 I still can\u2019t stop grinning about it!',
  'Honestly, I haven\u2019t felt this happy and relaxed in years, it\u2019s wonderful.',
  'You threw me a surprise party? This is the sweetest thing ever, thank you!',
  'I\u2019ve been laughing all afternoon, today has been an absolute delight.',
  'I\u2019m so proud of what our team built together, we really pulled it off!',
  // neutral
  'Are you free at some point tomorrow, or should we look at Thursday instead?',
  'Could you remind me what time the budget meeting starts on Monday?',
  'Send me the details later and I\u2019ll go through them when I get a chance.',
  'I\u2019ll need a bit more information before I can decide on the contract.',
  'Thanks for the message, I\u2019ll get back to you by the end of the week.',
  // surprise
  'Wait, the whole project is finished already? It was due next month!',
  'I can\u2019t believe I just ran into my old roommate at the airport in Oslo!',
  'How on earth did you organise all of this without me noticing a thing?',
  'It actually worked on the first try? I really didn\u2019t think it would!',
  'You\u2019re moving to Japan next week? You have got to be kidding me!',
  // fear
  'I\u2019m worried this is going to spiral out of control before anyone notices.',
  'I don\u2019t feel safe walking home alone after dark on that street anymore.',
  'What if they find out what really happened? I can barely sleep at night.',
  'Something about this whole situation gives me a really bad feeling.',
  'I heard a crash downstairs and my heart started pounding like crazy.',
  // mixed or ambiguous
  'I trusted you completely, and you threw it away \u2014 I\u2019m hurt and furious.',
  'The trip turned out even better than I dared to imagine, I\u2019m stunned!',
  'What he did to that poor animal was vile, and it honestly scares me.',
  'I guess it is what it is; there\u2019s nothing left for me to change now.',
  'You remembered the book I mentioned months ago? I had no idea, thank you!',
  'That comment about my sister was cruel, and I won\u2019t let it slide.',
  'I\u2019m scared we\u2019ll never fix things between us after this argument.',
  'It arrived a week sooner than expected, but I suppose that\u2019s fine.',
  'We wrapped up early today, though I\u2019m not sure what comes next for us.',
  'I never saw it coming, and now my heart feels completely broken.',
];

/** The sample key of the utterance at 1-based position `index`: `<index>:<first 30 code points>`. */
export function utteranceKey(index: number, utterance: string): string {
  return `${index}:${firstCodePoints(utterance, 30)}`;
}
